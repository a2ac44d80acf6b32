// The reference side of the extraction benchmark: the same job as `codetracker.usecases.extract_folder`,
// done by Node.js with acorn, so that the Python figures can be given as a ratio.
//
//   node extract.mjs --acorn PATH/TO/acorn.mjs --out DESCRIPTOR.json FOLDER...
//
// Per folder (one package = one module): walk it (skipping .git and node_modules, not following
// symlinks), keep .mjs/.js files (never .cjs/.ts/.d.ts/...), skip files over 2 MiB and binary files,
// skip files without an export statement (the same byte pre-filter as codetracker's), parse as a module
// (fallback: script, which then exports nothing), collect exported functions with their parameters and
// the JSDoc block attached to the export (or to the local declaration an `export { f }` names, through
// aliases: `const a = f; export { a }`; a name bound twice names no function), split
// the JSDoc into description / @param / @returns, and write one JSON descriptor for all folders.
// A summary with the in-process time (module loading excluded) is printed on stdout as JSON.

import { readdirSync, readFileSync, writeFileSync, lstatSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const started = performance.now();
const args = process.argv.slice(2);
let acornPath = null;
let outPath = null;
const folders = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--acorn") acornPath = args[++i];
  else if (args[i] === "--out") outPath = args[++i];
  else folders.push(args[i]);
}
if (!acornPath || folders.length === 0) {
  console.error("usage: node extract.mjs --acorn PATH/acorn.mjs [--out FILE] FOLDER...");
  process.exit(2);
}
const acorn = await import(pathToFileURL(acornPath).href);
const loaded = performance.now();

const PRUNED = new Set([".git", "node_modules"]);
const NEVER_MODULE = [".cjs", ".d.ts", ".d.mts", ".d.cts", ".ts", ".mts", ".cts"];
const MAX_FILE_BYTES = 2 * 1024 * 1024;
const EXPORT = Buffer.from("export");

function isModulePath(path) {
  const lower = path.toLowerCase();
  if (!(lower.endsWith(".mjs") || lower.endsWith(".js"))) return false;
  return !NEVER_MODULE.some((suffix) => lower.endsWith(suffix));
}

function walk(root) {
  const files = [];
  const stack = [[root, ""]];
  while (stack.length) {
    const [dir, prefix] = stack.pop();
    let items;
    try {
      items = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const item of items) {
      const rel = prefix + item.name;
      if (item.isSymbolicLink()) continue;
      if (item.isDirectory()) {
        if (!PRUNED.has(item.name)) stack.push([join(dir, item.name), rel + "/"]);
      } else if (item.isFile() && isModulePath(rel)) {
        files.push(rel);
      }
    }
  }
  return files.sort();
}

// codetracker's pre-filter (domain/selection.py may_export): an `export` keyword (no identifier byte
// or `.` before it, no identifier byte after it) followed, after ASCII whitespace, by `{ * @ /` or a
// non-ASCII byte, or by one of the words an export statement continues with.
const IDENTIFIER = new Set(Buffer.from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$\\"));
const SPACE = new Set(Buffer.from(" \t\n\r\x0b\x0c"));
const BODY_START = new Set(Buffer.from("{*@/"));
const BODY_WORDS = ["default", "function", "async", "class", "const", "let", "var"].map((w) => Buffer.from(w));

function startsExportBody(buf, at) {
  if (at < buf.length && IDENTIFIER.has(buf[at])) return false;
  while (at < buf.length && SPACE.has(buf[at])) at++;
  if (at === buf.length) return false;
  if (BODY_START.has(buf[at]) || buf[at] >= 0x80) return true;
  for (const word of BODY_WORDS) {
    if (buf.subarray(at, at + word.length).equals(word)) {
      const after = at + word.length;
      return after === buf.length || !IDENTIFIER.has(buf[after]);
    }
  }
  return false;
}

function mayExport(buf) {
  let at = buf.indexOf(EXPORT);
  while (at >= 0) {
    const before = at > 0 ? buf[at - 1] : 32;
    if (!IDENTIFIER.has(before) && before !== 46 && startsExportBody(buf, at + 6)) return true;
    at = buf.indexOf(EXPORT, at + 6);
  }
  return false;
}

function isBinary(buf) {
  const end = Math.min(buf.length, 8192);
  for (let i = 0; i < end; i++) if (buf[i] === 0) return true;
  return false;
}

// --- JSDoc ---------------------------------------------------------------------------------------------

const LINE_BREAK = /\r\n|[\r\n\u2028\u2029]/;
const TAG_LINE = /^@([A-Za-z][\w-]*)/;

function isJsdoc(text) {
  return text.startsWith("/**") && !text.startsWith("/***") && text !== "/**/";
}

function commentLines(raw) {
  let text = raw.trim();
  if (text.startsWith("/**")) text = text.slice(3);
  if (text.endsWith("*/")) text = text.slice(0, -2);
  return text.split(LINE_BREAK).map((line, index) => {
    const stripped = line.trimStart();
    if (stripped.startsWith("*")) {
      line = stripped.slice(1);
      if (line[0] === " " || line[0] === "\t") line = line.slice(1);
    } else if (index === 0) {
      line = stripped;
    }
    return line.trimEnd();
  });
}

function clean(lines) {
  let start = 0;
  let end = lines.length;
  while (start < end && !lines[start].trim()) start++;
  while (end > start && !lines[end - 1].trim()) end--;
  const kept = lines.slice(start, end);
  const margins = kept.filter((l) => l).map((l) => l.length - l.trimStart().length);
  const margin = margins.length ? Math.min(...margins) : 0;
  const text = kept.map((l) => l.slice(margin)).join("\n");
  return text || null;
}

function readType(body, pos) {
  if (body[pos] !== "{") return [null, pos];
  let depth = 0;
  for (let i = pos; i < body.length; i++) {
    if (body[i] === "{") depth++;
    else if (body[i] === "}" && --depth === 0) return [body.slice(pos + 1, i).trim(), i + 1];
  }
  return [null, pos];
}

// The index of the `]` closing the `[` at 0 (brackets nest; string literals skipped), else -1.
function closingBracket(text) {
  const scan = (quotes) => {
    let depth = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === "[") depth++;
      else if (c === "]" && --depth === 0) return i;
      else if (quotes && (c === '"' || c === "'" || c === "`")) {
        const end = text.indexOf(c, i + 1);
        if (end < 0) return -1;
        i = end;
      }
    }
    return -1;
  };
  const close = scan(true);
  return close >= 0 ? close : scan(false); // an apostrophe in words ("don't") is no string
}

// A tag's text: its first line follows the tag (trimmed); the lines after it are dedented on their own.
function cleanInline(lines) {
  const rest = lines.slice(1).map((l) => l.trimEnd());
  const margins = rest.filter((l) => l).map((l) => l.length - l.trimStart().length);
  const margin = margins.length ? Math.min(...margins) : 0;
  return clean([lines[0].trim(), ...rest.map((l) => l.slice(margin))]);
}

function parseParam(body) {
  let pos = body.search(/\S|$/);
  let type;
  [type, pos] = readType(body, pos);
  const rest = body.slice(pos).replace(/^\s+/, "");
  let name = "";
  let defaultValue = null;
  let optional = false;
  let after = rest;
  if (rest.startsWith("[")) {
    const close = closingBracket(rest); // `[props=[]]`: brackets nest
    const inner = close > 0 ? rest.slice(1, close) : rest.slice(1);
    const eq = inner.indexOf("=");
    name = (eq >= 0 ? inner.slice(0, eq) : inner).trim();
    defaultValue = eq >= 0 ? inner.slice(eq + 1).trim() : null;
    optional = true;
    after = close > 0 ? rest.slice(close + 1) : "";
  } else {
    const m = /^\S+/.exec(rest);
    name = m ? m[0] : "";
    after = rest.slice(name.length);
  }
  const restName = name.startsWith("...");
  if (restName) name = name.slice(3);
  if (type === null && name) {
    const trimmed = after.replace(/^[ \t]+/, "");
    if (trimmed.startsWith("{")) [type, pos] = readType(trimmed, 0), (after = trimmed.slice(pos));
  }
  const description = cleanInline(after.replace(/^\s*-\s+/, "").split("\n"));
  return {
    name,
    type,
    description,
    is_optional: optional || (type !== null && type.endsWith("=")),
    default_value: defaultValue,
    is_rest: restName || (type !== null && type.startsWith("...")), // `...paths` or `{...string}`
    is_nested: name.includes(".") || name.includes("["),
  };
}

function parseReturn(body) {
  const pos = body.search(/\S|$/);
  const [type, end] = readType(body, pos);
  return { type, description: cleanInline(body.slice(end).split("\n")) };
}

function parseJsdoc(raw) {
  const lines = commentLines(raw);
  const leading = [];
  const blocks = [];
  let fence = null;
  for (const line of lines) {
    const text = line.trimStart();
    if (fence === null && (text.startsWith("```") || text.startsWith("~~~"))) fence = text.slice(0, 3);
    else if (fence !== null && text.startsWith(fence)) fence = null;
    const m = fence === null ? TAG_LINE.exec(text) : null;
    if (m) blocks.push([m[1], [text.slice(m[0].length)]]);
    else if (blocks.length) blocks[blocks.length - 1][1].push(line);
    else leading.push(line);
  }
  let description = clean(leading);
  const params = [];
  const returns = [];
  for (const [name, bodyLines] of blocks) {
    const kind = name.toLowerCase();
    const body = bodyLines.join("\n");
    if (kind === "param" || kind === "arg" || kind === "argument") params.push(parseParam(body));
    else if (kind === "returns" || kind === "return") returns.push(parseReturn(body));
    else if ((kind === "description" || kind === "desc") && description === null) description = clean(bodyLines);
  }
  return { description, params, returns };
}

// --- exports -------------------------------------------------------------------------------------------

function attachedJsdoc(source, comments, anchor) {
  // comments: [start, end] in source order; the run right before `anchor` separated only by whitespace.
  let lo = 0;
  let hi = comments.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (comments[mid][0] < anchor) lo = mid + 1;
    else hi = mid;
  }
  let index = lo - 1;
  while (index >= 0 && comments[index][1] > anchor) index--;
  let pos = anchor;
  while (index >= 0) {
    const [start, end] = comments[index];
    if (end !== pos && source.slice(end, pos).trim() !== "") break;
    const text = source.slice(start, end);
    if (isJsdoc(text)) return text;
    pos = start;
    index--;
  }
  return null;
}

function isFunctionNode(node) {
  return node && (node.type === "FunctionExpression" || node.type === "ArrowFunctionExpression");
}

function paramsOf(source, fn) {
  return fn.params.map((p) => {
    let isRest = false;
    let defaultSource = null;
    if (p.type === "RestElement") {
      isRest = true;
      p = p.argument;
    }
    if (p.type === "AssignmentPattern") {
      defaultSource = source.slice(p.right.start, p.right.end);
      p = p.left;
    }
    return {
      source: source.slice(p.start, p.end),
      identifier: p.type === "Identifier" ? p.name : null,
      default_source: defaultSource,
      is_rest: isRest,
    };
  });
}

// The JSDoc anchor of declarator `i` of a `const`/`let`/`var` list: the statement for the only one; for
// the others their own (a block between declarators); the first takes the statement's when it has none.
function declaratorJsdoc(source, comments, stmt, decl, i) {
  const d = decl.declarations[i];
  if (decl.declarations.length === 1) return attachedJsdoc(source, comments, stmt.start);
  const own = attachedJsdoc(source, comments, d.start);
  return own !== null || i > 0 ? own : attachedJsdoc(source, comments, stmt.start);
}

function exportedFunctions(source, ast, comments) {
  // name -> [{ fn, jsdoc } | { alias, jsdoc }, ...]: a name bound more than once names no function
  const locals = new Map();
  const bind = (name, binding) => {
    if (!locals.has(name)) locals.set(name, []);
    locals.get(name).push(binding);
  };
  for (const stmt of ast.body) {
    const decl =
      stmt.type === "ExportNamedDeclaration" || stmt.type === "ExportDefaultDeclaration" ? stmt.declaration : stmt;
    if (stmt.type === "ImportDeclaration") {
      for (const spec of stmt.specifiers) bind(spec.local.name, { other: true });
      continue;
    }
    if (!decl) continue;
    if (decl.type === "FunctionDeclaration" && decl.id) {
      bind(decl.id.name, { fn: decl, jsdoc: attachedJsdoc(source, comments, stmt.start) });
    } else if (decl.type === "ClassDeclaration" && decl.id) {
      bind(decl.id.name, { other: true });
    } else if (decl.type === "VariableDeclaration") {
      decl.declarations.forEach((d, i) => {
        if (d.id.type !== "Identifier") return;
        const jsdoc = declaratorJsdoc(source, comments, stmt, decl, i);
        if (isFunctionNode(d.init)) bind(d.id.name, { fn: d.init, jsdoc });
        else if (d.init && d.init.type === "Identifier") bind(d.id.name, { alias: d.init.name, jsdoc });
        else bind(d.id.name, { other: true });
      });
    }
  }
  // name -> { fn, jsdoc of the closest documented binding of the chain } | null
  const resolve = (name) => {
    const seen = new Set();
    let jsdoc = null;
    while (!seen.has(name)) {
      seen.add(name);
      const bindings = locals.get(name);
      if (!bindings || bindings.length !== 1) return null;
      const b = bindings[0];
      if (jsdoc === null) jsdoc = b.jsdoc ?? null;
      if (b.fn) return { fn: b.fn, jsdoc };
      if (!b.alias) return null;
      name = b.alias;
    }
    return null;
  };
  const out = [];
  const add = (exportedName, localName, exportType, fn, jsdoc, offset) =>
    out.push({ exportedName, localName, exportType, fn, jsdoc, offset });
  let isModule = false;
  for (const stmt of ast.body) {
    switch (stmt.type) {
      case "ImportDeclaration":
      case "ExportAllDeclaration":
        isModule = true;
        break;
      case "ExportNamedDeclaration": {
        isModule = true;
        const decl = stmt.declaration;
        if (decl && decl.type === "FunctionDeclaration") {
          add(decl.id.name, decl.id.name, "named", decl, attachedJsdoc(source, comments, stmt.start), stmt.start);
        } else if (decl && decl.type === "VariableDeclaration") {
          decl.declarations.forEach((d, i) => {
            if (d.id.type !== "Identifier") return;
            const offset = decl.declarations.length === 1 ? stmt.start : d.start;
            const jsdoc = declaratorJsdoc(source, comments, stmt, decl, i);
            if (isFunctionNode(d.init)) add(d.id.name, d.id.name, "named", d.init, jsdoc, offset);
            else if (d.init && d.init.type === "Identifier") {
              const target = resolve(d.init.name);
              if (target) add(d.id.name, d.id.name, "named", target.fn, jsdoc ?? target.jsdoc, offset);
            }
          });
        } else if (!stmt.source) {
          for (const spec of stmt.specifiers) {
            const local = spec.local.type === "Identifier" ? spec.local.name : spec.local.value;
            const exported = spec.exported.type === "Identifier" ? spec.exported.name : spec.exported.value;
            const target = resolve(local);
            if (!target) continue;
            const type = exported === "default" ? "default" : "named";
            add(exported, local, type, target.fn, target.jsdoc ?? attachedJsdoc(source, comments, stmt.start), spec.start);
          }
        }
        break;
      }
      case "ExportDefaultDeclaration": {
        isModule = true;
        const decl = stmt.declaration;
        if (decl.type === "FunctionDeclaration" || isFunctionNode(decl)) {
          const name = decl.id ? decl.id.name : null;
          add("default", name, "default", decl, attachedJsdoc(source, comments, stmt.start), stmt.start);
        } else if (decl.type === "Identifier") {
          const target = resolve(decl.name);
          if (target) {
            const jsdoc = target.jsdoc ?? attachedJsdoc(source, comments, stmt.start);
            add("default", decl.name, "default", target.fn, jsdoc, stmt.start);
          }
        }
        break;
      }
      default:
        break;
    }
  }
  return { isModule, exports: out };
}

function extractSource(source) {
  const comments = [];
  const options = {
    ecmaVersion: "latest",
    sourceType: "module",
    allowHashBang: true,
    onComment: (_block, _text, start, end) => comments.push([start, end]),
  };
  let ast;
  try {
    ast = acorn.parse(source, options);
  } catch (moduleError) {
    comments.length = 0;
    try {
      acorn.parse(source, { ...options, sourceType: "script", onComment: undefined });
      return { functions: [] }; // a script: exports nothing
    } catch {
      const loc = moduleError.loc || {};
      return { functions: [], problem: { kind: "parse_error", reason: moduleError.message, line: loc.line, column: loc.column } };
    }
  }
  const { isModule, exports } = exportedFunctions(source, ast, comments);
  if (!isModule) return { functions: [] };
  exports.sort((a, b) => a.offset - b.offset);
  const functions = exports.map((e, order) => {
    const docs = e.jsdoc !== null ? parseJsdoc(e.jsdoc) : { description: null, params: [], returns: [] };
    const topLevel = docs.params.filter((p) => !p.is_nested);
    const byName = new Map();
    for (const d of topLevel) if (!byName.has(d.name)) byName.set(d.name, d);
    const code = paramsOf(source, e.fn);
    const codeNames = new Set(code.filter((p) => p.identifier !== null).map((p) => p.identifier));
    const parameters = code.map((p, position) => {
      let doc = p.identifier !== null ? byName.get(p.identifier) : undefined;
      // by position: never a @param of another code parameter's name, and a rest @param only for a rest one
      const candidate = position < topLevel.length ? topLevel[position] : null;
      if (!doc && candidate && !codeNames.has(candidate.name) && (p.is_rest || !candidate.is_rest)) doc = candidate;
      return {
        name: p.identifier !== null ? p.identifier : doc && doc.name ? doc.name : p.source,
        position,
        type: doc ? doc.type : null,
        is_optional: p.default_source !== null || Boolean(doc && doc.is_optional),
        is_rest: p.is_rest,
        default_value: p.default_source, // the code's default; JSDoc's `[wait=10]` is doc_default
        doc_default: doc ? doc.default_value : null,
        description: doc ? doc.description : null,
      };
    });
    return {
      name: e.exportType === "default" ? e.localName || "default" : e.exportedName,
      export_type: e.exportType,
      is_async: Boolean(e.fn.async),
      description: docs.description,
      jsdoc_raw: e.jsdoc,
      order_in_file: order,
      parameters,
      return_values: docs.returns,
    };
  });
  return { functions };
}

// Peak RSS of this process (Linux), read just before reporting; see bench/common.py.
function vmhwmKb() {
  try {
    const match = /VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false }); // drops a BOM, U+FFFD for bad bytes
const descriptors = [];
const summaries = [];
for (const folder of folders) {
  const folderStarted = performance.now();
  const files = walk(folder);
  const functions = [];
  const problems = [];
  let bytes = 0;
  let parsed = 0;
  let params = 0;
  for (const rel of files) {
    const full = join(folder, rel);
    let buf;
    try {
      if (lstatSync(full).size > MAX_FILE_BYTES) {
        problems.push({ path: rel, kind: "skipped", reason: "file too large" });
        continue;
      }
      buf = readFileSync(full);
    } catch {
      continue;
    }
    bytes += buf.length;
    if (isBinary(buf)) {
      problems.push({ path: rel, kind: "skipped", reason: "binary file" });
      continue;
    }
    if (!mayExport(buf)) continue;
    parsed++;
    const result = extractSource(decoder.decode(buf));
    if (result.problem) problems.push({ path: rel, ...result.problem });
    for (const f of result.functions) {
      params += f.parameters.length;
      functions.push({ ...f, file_path: rel });
    }
  }
  descriptors.push({ module_slug: folder, functions, problems });
  summaries.push({
    folder,
    candidates: files.length,
    bytes,
    parsed,
    functions: functions.length,
    parameters: params,
    parse_errors: problems.filter((p) => p.kind === "parse_error").length,
    seconds: (performance.now() - folderStarted) / 1000,
  });
}
const json = JSON.stringify({ descriptors });
if (outPath) writeFileSync(outPath, json);
const finished = performance.now();
process.stdout.write(
  JSON.stringify({
    tool: "acorn",
    acorn_version: acorn.version,
    node_version: process.version,
    load_seconds: (loaded - started) / 1000,
    inprocess_seconds: (finished - loaded) / 1000,
    descriptor_bytes: json.length,
    packages: summaries,
    vmhwm_kb: vmhwmKb(),
  }) + "\n",
);
