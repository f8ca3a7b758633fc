"""Tests use the public API where they test behaviour (issue 22).

A test of what a user sees calls ``zhenggai`` / ``zhenggai.api`` (or the CLI's ``app``,
or the web's ``create_app``) and opens what was written, so the internals can be
reorganised without rewriting it. A test file that imports an internal module must be
listed below with the reason: a unit test of a genuinely internal function, or a
behaviour no public call reaches. A new test file importing internals without a line
here fails.
"""

from __future__ import annotations

import ast
from pathlib import Path

from builders import FINDINGS_SHEET, HEADER_ROW

TESTS = Path(__file__).resolve().parent

# The faces a user has: the package and its API (README 作为库使用, zhenggai.api.report too),
# the CLI app, the web app.
PUBLIC = {"zhenggai", "zhenggai.api", "zhenggai.api.report", "zhenggai.cli.app", "zhenggai.web.app"}

INTERNAL_ALLOWED: dict[str, str] = {
    # helpers of the tests themselves
    "builders.py": "builds forms from the notice's columns (core.schema) with the definition sheet (forms.formdef)",
    "conftest.py": "installs the CLI's Chinese texts (cli.i18n) for CliRunner",
    "test_public_api.py": "pins builders' facts of written workbooks to the writers' own constants",
    # unit tests of internal functions
    "test_annotate.py": "unit tests of outputs.annotated: names, fills, merges, rebuilt copies",
    "test_boundary.py": "unit tests of intake.boundary: worker pool, limits, crash isolation",
    "test_cli_wrap.py": "unit tests of cli.wrap (breaking Chinese lines) over every catalogue message",
    "test_codes.py": "core/codes.py is generated from the catalogue in core/findings.py: compares the two",
    "test_copies.py": "unit tests of rollup.copies' normalise and index (near_pairs) beside the merge cases",
    "test_quantities.py": "unit tests of checking.quantities (mentions, agree) beside the validate cases",
    "test_csv.py": "unit tests of intake.csvfile's encoding rule (decode, mojibake)",
    "test_display_formats.py": "unit tests of intake.formats.classify and the reader's cell formats (read_book)",
    "test_docs.py": "the README must document every code of the catalogue (core.findings)",
    "test_done_text.py": "checking.done_text: what a measure last says of completion, word by word",
    "test_early_open.py": "intake.reader's guards on the second CPU and the supervised early reading (intake.boundary)",
    "test_exact_sums.py": "unit tests of core.parse's decimal sums and products",
    "test_formdef.py": "unit tests of forms.formdef (the definition sheet, read_book) and indicator files' ranges",
    "test_guard.py": "unit tests of intake.guard/sniff/reader limits and checking.versions.decide_files",
    "test_hostile.py": "hostile files against intake.reader's guards, one file at a time (check_file)",
    "test_measures.py": "unit tests of checking.measures (the measure classifier's rules)",
    "test_measures_same.py": "checking.measures' short cuts against the plain reading kept in the test (its internals)",
    "test_parse.py": "unit tests of core.parse and the one A1 parser (core.findings)",
    "test_problems.py": "unit tests of reading the feedback list (forms.feedback_reader) and normalize_problem",
    "test_qualifiers.py": "unit tests of core.parse's number and date qualifiers beside the validate cases",
    "test_read_aside.py": "intake.reader's scans in a forked child (intake.second_cpu) read every book the same",
    "test_reader.py": "unit tests of intake.reader and intake.xls (Book, grids, OLE)",
    "test_rounds.py": "unit tests of progress.compare (pure) on hand-built feedback lists and rollups",
    "test_row_classes.py": "unit tests of forms.tables' row classes on hand-built grids (intake.reader.Grid)",
    "test_rows.py": "unit tests of checking.rows' row models, and check_file on one file",
    "test_supervision_rules.py": "unit tests of outputs.supervision_rules and evaluate on hand-built rollups",
    "test_tables.py": "unit tests of forms.tables (the header finder) on hand-built grids",
    "test_template.py": "unit tests of outputs.templates.file_names and core.schema's indicator files",
    "test_xls_sst.py": "unit tests of intake.xls's shared string table runs (strikethrough) on hand-built bytes",
    "test_versions.py": "unit tests of checking.versions' name marks and intake.sniff.saved_time",
    "test_xlsx_writer.py": "outputs.xlsx's fast cell path and streamed sheets against XlsxWriter's own output",
    "test_rollup_zipped_ahead.py": "outputs.xlsx_early's sheets zipped ahead: taken, and the same rollup without",
    "test_inbox_resolve.py": "intake.inbox.resolved against Path.resolve on links (no public call shows a path)",
    "test_pickled.py": "core.pickled: the rows a reader worker pickles come back equal, every field",
    "test_rollup_fast_paths.py": "rollup.county's shortcuts (whole-float 序号, date cells) against the general path",
    "test_plain_rows.py": "forms.rowkinds' plain-row reader against the general path on hand-built grids",
    "test_items_built.py": "checking.files._items' Items against the ones the dataclass builds (core.results)",
    "test_rows_child.py": "intake.second_cpu's result frames and checking.rows' use of what the row child sends",
    "test_rows_tuples.py": "checking.rows' tuples of fields against its models, on one CPU and on two",
    "test_guard_search.py": "intake.reader's zip-guard searches and whole-member inflation against the plain ones",
    # behaviour no public call reaches (yet)
    "test_api.py": "checks the lazy public names survive importing the modules behind them",
    "test_merge.py": "fault injection: a crash inside outputs.rollup_workbook must leave no output",
    "test_properties.py": "round trips through templates and annotate (FIRST_DATA_ROW, annotate_all, display)",
    "test_report.py": "zhenggai report has no library call (api.report, outputs.report_docx, rollup.categories)",
    "test_report_web.py": "zhenggai report has no library call (api.report); the web launches in process",
    "test_web.py": "the web intake's setup and files (web.launch, web.store) behind create_app",
    "test_web_crash.py": "the web intake's setup and files (web.launch, web.store) behind create_app",
    "test_web_golive.py": "the web intake's setup and files (web.launch, web.store, api.config) behind create_app",
}


def _is_module(name: str) -> bool:
    where = TESTS.parent / "src" / Path(*name.split("."))
    return where.is_dir() or where.with_suffix(".py").is_file()


def _internal_imports(path: Path) -> list[str]:
    """Internal modules ``path`` imports (anywhere in the file, type-only ones too)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module != "zhenggai":
                out.add(node.module)
            else:  # ``from zhenggai import validate`` is a public name; ``import rollup`` a module
                out.update(f"zhenggai.{a.name}" for a in node.names if _is_module(f"zhenggai.{a.name}"))
    return sorted(n for n in out if n.split(".")[0] == "zhenggai" and n not in PUBLIC)


def test_only_listed_test_files_import_internals() -> None:
    found = {p.name: _internal_imports(p) for p in sorted(TESTS.glob("*.py"))}
    unlisted = {name: mods for name, mods in found.items() if mods and name not in INTERNAL_ALLOWED}
    assert unlisted == {}, "test files importing internals must use the public API or be listed with a reason"


def test_the_allowlist_holds_no_stale_entries() -> None:
    """A file that no longer imports internals leaves the list (it must not come back unnoticed)."""
    stale = [name for name in INTERNAL_ALLOWED if not (TESTS / name).exists() or not _internal_imports(TESTS / name)]
    assert stale == []


def test_the_checker_sees_an_internal_import(tmp_path: Path) -> None:
    planted = tmp_path / "test_planted.py"
    planted.write_text("import zhenggai\nfrom zhenggai import Options\n\ndef f() -> None:\n"
                       "    from zhenggai.checking.files import check_file\n", encoding="utf-8")
    assert _internal_imports(planted) == ["zhenggai.checking.files"]
    planted.write_text("from zhenggai import rollup\nimport zhenggai.core.parse\n", encoding="utf-8")
    assert _internal_imports(planted) == ["zhenggai.core.parse", "zhenggai.rollup"]


def test_builders_facts_of_our_output_are_the_writers() -> None:
    """The builders' facts of written workbooks (read back by tests) are the writers' own."""
    from zhenggai.core.results import FINDINGS_SHEET as ANNOTATED
    from zhenggai.rollup.layout import HEADER_ROW as WRITTEN

    assert (HEADER_ROW, FINDINGS_SHEET) == (WRITTEN, ANNOTATED)
