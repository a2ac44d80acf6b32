// TypeScript's own parser as a reference for the differential test and the bench.
//   node ts_reference.mjs annotations ROOT < files.json  → {file: {name: [{params: [bool], returns: bool}]}}
//     per top-level function declaration (overloads and implementation in source order): which parameters
//     (`this` excluded) and whether the return carry a written annotation.
//   node ts_reference.mjs parse ROOT REPEAT < files.json  → {"seconds": best time to parse every file}
// `typescript` is resolved from this folder's node_modules (installed by tests/support/typescript_reference.py).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(process.env.CODETRACKER_TS_MODULES + "/");
const ts = require("typescript");
const [mode, root, repeat] = process.argv.slice(2);
const files = JSON.parse(readFileSync(0, "utf8"));
const kind = (file) => (file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
const texts = files.map((file) => readFileSync(join(root, file), "utf8"));

if (mode === "parse") {
  let best = Infinity;
  for (let round = 0; round < Number(repeat || 3); round++) {
    const started = process.hrtime.bigint();
    files.forEach((file, i) => ts.createSourceFile(file, texts[i], ts.ScriptTarget.Latest, true, kind(file)));
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e9);
  }
  console.log(JSON.stringify({ seconds: best }));
} else {
  const out = {};
  files.forEach((file, i) => {
    const source = ts.createSourceFile(file, texts[i], ts.ScriptTarget.Latest, true, kind(file));
    const found = (out[file] = {});
    const add = (name, fn) => {
      const params = fn.parameters
        .filter((p) => !(ts.isIdentifier(p.name) && p.name.text === "this"))
        .map((p) => Boolean(p.type));
      (found[name] ??= []).push({ params, returns: Boolean(fn.type) });
    };
    const unwrap = (node) => {
      while (node && (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node)))
        node = node.expression;
      return node;
    };
    for (const statement of source.statements) {
      if (ts.isFunctionDeclaration(statement)) add(statement.name ? statement.name.text : "default", statement);
      else if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          const value = unwrap(declaration.initializer);
          if (value && (ts.isArrowFunction(value) || ts.isFunctionExpression(value)) && ts.isIdentifier(declaration.name))
            add(declaration.name.text, value);
        }
      }
    }
  });
  console.log(JSON.stringify(out));
}
