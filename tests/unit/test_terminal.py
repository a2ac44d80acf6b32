"""What a person sees: progress only on a terminal and always ended, tables that fit, stored text made safe."""

from __future__ import annotations

import io

from codetracker.terminal import Progress, safe_text, write_table


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_draws_only_on_a_terminal_and_for_long_scans():
    terminal = Terminal()
    bar = Progress(terminal)
    bar(0, 1000)
    bar(500, 1000)
    bar.finish()
    assert "500/1000 files" in terminal.getvalue() and terminal.getvalue().endswith("\n")
    short = Terminal()
    Progress(short)(5, 10)  # a short scan: no bar
    piped = io.StringIO()
    Progress(piped)(500, 1000)  # not a terminal: no escape noise in logs
    assert short.getvalue() == "" and piped.getvalue() == ""


def test_the_progress_line_is_ended_however_the_block_ends():
    terminal = Terminal()
    try:
        with Progress(terminal) as progress:
            progress(100, 1000)
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        terminal.write("codetracker: interrupted\n")
    drawn, message = terminal.getvalue().rsplit("\n", 2)[:2]
    assert drawn.rstrip().endswith("100/1000 files") and message == "codetracker: interrupted"


def test_walk_and_fetch_progress_are_throttled():
    now = [0.0]
    terminal = Terminal()
    progress = Progress(terminal, clock=lambda: now[0])
    for n in range(100):
        progress.fetch(n * 1_000_000)  # a hundred reports in the same instant: one line drawn
    assert terminal.getvalue().count("\r") == 1
    now[0] = 1.0
    progress.walk(5_000, 12_000_000)
    assert "5,000 files, 12.0 MB hashed" in terminal.getvalue()


def test_tables_fit_the_terminal_and_keep_full_values_when_piped(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    rows = [("src/" + "deep/" * 20 + "index.mjs", "fetchEverything", "(url: string, options?: Options)")]
    terminal = Terminal()
    write_table(rows, ("file", "function", "parameters"), terminal)
    assert all(len(line) <= 40 for line in terminal.getvalue().splitlines())
    assert "…" in terminal.getvalue()
    piped = io.StringIO()
    write_table(rows, ("file", "function", "parameters"), piped)
    assert rows[0][0] in piped.getvalue() and "…" not in piped.getvalue()


def test_control_characters_from_stored_data_are_never_printed_raw():
    assert safe_text("v1\nv2") == "v1\\nv2"
    assert safe_text("\x1b[31mred") == "\\x1b[31mred"
    assert safe_text("plain ü 日本") == "plain ü 日本"
    piped = io.StringIO()
    write_table([("a\nb", "\x1b[2J")], ("x", "y"), piped)
    assert "\x1b" not in piped.getvalue() and piped.getvalue().count("\n") == 2


def test_descriptions_are_cut_first_and_what_identifies_a_row_never(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    rows = [
        (
            "packages/svelte/src/index.js",
            "SvelteComponent",
            "default",
            "",
            "(options: { target: Element, props?: Record<string, any>, hydrate?: boolean })",
            "SvelteComponent",
        )
    ]
    headers = ("file", "function", "export", "async", "parameters", "returns")
    terminal = Terminal()
    write_table(rows, headers, terminal, keep=("file", "function"), shrink_first=("parameters", "returns"))
    lines = terminal.getvalue().splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert rows[0][0] in lines[1] and f" {rows[0][1]} " in lines[1]  # whole, not cut
    assert "default" in lines[1] and "(optio" in lines[1] and "…" in lines[1]  # the descriptions gave way
    assert lines[0].split()[:4] == list(headers[:4])


def test_identifying_columns_are_never_cut_even_when_the_row_cannot_fit(monkeypatch):
    monkeypatch.setenv("COLUMNS", "30")
    rows = [("src/" + "deep/" * 10 + "index.mjs", "fetchEverything", "(url: string, options?: Options)")]
    terminal = Terminal()
    write_table(rows, ("file", "function", "parameters"), terminal, keep=("file", "function"))
    assert rows[0][0] in terminal.getvalue() and rows[0][1] in terminal.getvalue()
    assert "(url:…" in terminal.getvalue()  # cut to the narrowest column a description keeps
