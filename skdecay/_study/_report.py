"""The study's outputs: the HTML and Markdown reports, CSVs and console tables.

Everything is rendered in memory first and written into a fresh folder that
replaces the output folder only once complete, so a failure never leaves a
half-written report behind.
"""

from __future__ import annotations

import base64
import html
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ._data import StudyInputError
from ._figures import Picture
from ._measure import Measurements, Table

#: Every name the study writes into its folder; a folder holding anything
#: else is not replaced.
TABLE_KEYS = ("data", "decay", "strength", "penalties", "sklearn", "weights")
OUTPUT_NAMES = frozenset(
    {"report.html", "report.md", "figures", "mlp_epochs.csv"}
    | {f"{key}.csv" for key in TABLE_KEYS}
)

#: Columns shown left-aligned (words, not numbers).
TEXT_COLUMNS = {"penalty", "model", "decay", "feature", "note", "run", "scikit-learn"}


def check_output(folder: Path) -> None:
    """Refuse a folder that holds something the study did not write."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise StudyInputError(f"The output {str(folder)!r} is a file, not a folder.")
    foreign = sorted(p.name for p in folder.iterdir() if p.name not in OUTPUT_NAMES)
    if foreign:
        shown = ", ".join(repr(n) for n in foreign[:5])
        raise StudyInputError(
            f"The output folder {str(folder)!r} holds files the study did not write "
            f"({shown}{', ...' if len(foreign) > 5 else ''}); choose another "
            "--output or empty it."
        )


def summary_rows(m: Measurements, name: str, source: str) -> list[tuple[str, str]]:
    data = m.data
    n_train, n_val = len(data.y_train), len(data.y_val)
    rows = [
        ("dataset", name),
        ("source", source),
        ("task", data.task_reason),
        (
            "samples",
            f"{n_train + n_val} ({n_train} training, {n_val} held out for "
            f"validation, stratified)"
            if data.task == "classification"
            else f"{n_train + n_val} ({n_train} training, {n_val} held out for "
            "validation)",
        ),
        (
            "features",
            f"{len(data.numeric)} numeric (imputed, standardised), "
            f"{len(data.categorical)} categorical (one-hot) -> "
            f"{len(data.feature_names)} encoded, by a ColumnTransformer fitted on "
            "the training part",
        ),
    ]
    if data.categorical:
        rows.append(("categorical columns", ", ".join(data.categorical)))
    if data.task == "classification":
        counts = pd.Series(data.y_train).value_counts().sort_index()
        classes = [
            f"{data.classes[k]} ({counts.get(k, 0)})" for k in range(len(data.classes))
        ]
        shown = ", ".join(classes[:30]) + (", ..." if len(classes) > 30 else "")
        rows.append(("classes (training samples)", shown))
    rows += [
        ("score", f"{m.score_name} (higher is better)"),
        (
            "protocol",
            f"seed {m.settings.random_state}; {m.settings.n_folds}-fold "
            "cross-validation inside the training part chooses every alpha; the "
            "validation part is used only to score the final models",
        ),
    ]
    return rows


def _template_table(table: Table) -> dict:
    frame = table.display
    return {
        "key": table.key,
        "title": table.title,
        "question": table.question,
        "note": table.note,
        "headers": [str(c) for c in frame.columns],
        "rows": [[str(v) for v in row] for row in frame.itertuples(index=False)],
        "text_columns": TEXT_COLUMNS,
    }


def render_html(
    m: Measurements, pictures: list[Picture], summary: list, name: str
) -> str:
    """The self-contained report, from the package's Jinja2 template."""
    from jinja2 import Environment, PackageLoader, StrictUndefined

    from .. import __version__

    environment = Environment(
        loader=PackageLoader("skdecay._study", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    template = environment.get_template("report.html")
    return template.render(
        name=name,
        version=__version__,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        seed=m.settings.random_state,
        summary=summary,
        tables=[_template_table(t) for t in m.tables],
        pictures=[
            {
                "key": p.key,
                "title": p.title,
                "caption": p.caption,
                "base64": base64.b64encode(p.png).decode("ascii"),
            }
            for p in pictures
        ],
        notes=m.notes + m.data.notes,
    )


def _md(text) -> str:
    """``text`` safe in a Markdown table cell: no raw HTML, no cell breaks."""
    text = html.escape(str(text), quote=False)
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(frame: pd.DataFrame) -> str:
    lines = [
        "| " + " | ".join(_md(c) for c in frame.columns) + " |",
        "|" + "|".join("---" for _ in frame.columns) + "|",
    ]
    lines += [
        "| " + " | ".join(_md(v) for v in row) + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join(lines)


def render_markdown(
    m: Measurements, pictures: list[Picture], summary: list, name: str
) -> str:
    parts = [f"# Weight-decay study: {_md(name)}", ""]
    parts += ["## The data", ""]
    parts += [_md_table(pd.DataFrame(summary, columns=["", "value"])), ""]
    for table in m.tables:
        parts += [f"## {table.title}", "", _md(table.question), ""]
        parts += [_md_table(table.display), "", f"All rows: `{table.key}.csv`.", ""]
    for picture in pictures:
        parts += [f"## {picture.title}", ""]
        parts += [f"![{_md(picture.title)}](figures/{picture.key}.png)", ""]
        parts += [_md(picture.caption), ""]
    notes = m.notes + m.data.notes
    if notes:
        parts += ["## Notes", ""] + [f"* {_md(note)}" for note in notes] + [""]
    return "\n".join(parts)


def render_files(
    m: Measurements, pictures: list[Picture], name: str, source: str
) -> dict[str, bytes]:
    """Every file of the report folder, by relative path."""
    summary = summary_rows(m, name, source)
    files = {
        "report.html": render_html(m, pictures, summary, name).encode("utf-8"),
        "report.md": render_markdown(m, pictures, summary, name).encode("utf-8"),
        "data.csv": pd.DataFrame(summary, columns=["item", "value"])
        .to_csv(index=False)
        .encode("utf-8"),
    }
    for table in m.tables:
        files[f"{table.key}.csv"] = table.frame.to_csv(index=False).encode("utf-8")
    for picture in pictures:
        files[f"figures/{picture.key}.png"] = picture.png
    unknown = {path.split("/")[0] for path in files} - OUTPUT_NAMES
    assert not unknown, f"add {unknown} to OUTPUT_NAMES"
    return files


def write_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` into ``folder``, replacing a previous report at once.

    The files go into a sibling folder first; only when all are written does
    it take the output's name.
    """
    check_output(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.with_name(f".{folder.name}.partial-{os.getpid()}")
    if partial.exists():
        shutil.rmtree(partial)
    try:
        for relative, content in files.items():
            path = partial / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        if folder.exists():
            previous = folder.with_name(f".{folder.name}.previous-{os.getpid()}")
            os.replace(folder, previous)
            os.replace(partial, folder)
            shutil.rmtree(previous, ignore_errors=True)
        else:
            os.replace(partial, folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def console_text(m: Measurements, summary: list) -> str:
    """The tables, trimmed, as plain text for the terminal."""
    width = max(len(key) for key, _ in summary)
    parts = [f"{key:<{width}}  {value}" for key, value in summary]
    with pd.option_context(
        "display.width", 250, "display.max_columns", None, "display.max_colwidth", 70
    ):
        for table in m.tables:
            frame = table.display if table.console is None else table.console
            notes = []
            if "note" in frame.columns:
                labels = frame.iloc[:, 0].astype(str)
                notes = [
                    f"  note ({label}): {note}"
                    for label, note in zip(labels, frame["note"], strict=True)
                    if note
                ]
                frame = frame.drop(columns="note")
            if "scikit-learn" in frame.columns and table.key == "strength":
                frame = frame.drop(columns="scikit-learn")
            shown = "" if table.console is None else " (trimmed; all rows in the CSV)"
            title = table.title + shown
            parts += ["", title, "-" * len(title), frame.to_string(index=False)]
            parts += notes
    return "\n".join(parts)
