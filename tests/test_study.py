"""skdecay.study and the ``skdecay study`` command.

The studies here run on small grids (few alphas, folds and epochs) so that
the file stays fast; the numbers they report are checked against the
estimators refitted independently, not against hard-coded values.
"""

import base64
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

pytest.importorskip("jinja2")
pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")
html5lib = pytest.importorskip("html5lib")

import skdecay  # noqa: E402
from skdecay import DecayLinearRegressor, DecayLogisticClassifier  # noqa: E402
from skdecay.__main__ import main  # noqa: E402
from skdecay._study._api import require_report_extra  # noqa: E402
from skdecay._study._data import StudyInputError, load_source  # noqa: E402
from skdecay._study._report import write_folder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"n_alphas": 5, "n_folds": 3, "quiet": True}
QUICK = ["--alphas", "3", "--folds", "2"]
TABLES = ("decay", "strength", "penalties", "sklearn", "weights")


def _env():
    return {
        **os.environ,
        "MPLBACKEND": "Agg",
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
        ),
    }


def _parse(path: Path):
    """The report through a strict HTML5 parser: any parse error raises."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(path.read_bytes())


@pytest.fixture(scope="module")
def cancer(tmp_path_factory):
    """breast_cancer with the network part, on the smallest useful grids."""
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    folder = tmp_path_factory.mktemp("study") / "cancer"
    result = skdecay.study(
        X, y, name="breast_cancer", output=folder, mlp=True, mlp_epochs=4,
        mlp_weight_decays=(1e-2,), mlp_decoupled_weight_decays=(1.0,), **SMALL,
    )  # fmt: skip
    return X, y, result


def _write_csv(path: Path, n: int = 90, seed: int = 0) -> pd.DataFrame:
    """Numbers, a categorical column that matters, and a categorical target."""
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue"], size=n)
    size = rng.normal(size=n)
    weight = rng.normal(size=n)
    signal = size + 2.0 * (colour == "red") + 0.3 * rng.normal(size=n)
    frame = pd.DataFrame(
        {
            "size": size,
            "weight": weight,
            "colour": colour,
            "label": np.where(signal > 0.8, "yes", "no"),
        }
    )
    frame.to_csv(path, index=False)
    return frame


def test_classification_study_writes_every_table_and_figure(cancer):
    result = cancer[2]
    assert result.task == "classification"
    folder = result.report_dir
    names = {p.name for p in folder.iterdir()}
    assert {
        "report.html",
        "report.md",
        "figures",
        "data.csv",
        "mlp_epochs.csv",
    } <= names
    for key in TABLES:
        saved = pd.read_csv(folder / f"{key}.csv")
        assert len(saved) == len(result.tables[key]) > 0
    assert sorted(p.stem for p in (folder / "figures").iterdir()) == sorted(
        result.figures
    )
    assert set(result.figures) == {
        "path",
        "cv_curve",
        "coef_history",
        "loss_curves",
        "mlp_training",
    }
    # No partial or previous folders are left beside the report.
    assert [p.name for p in folder.parent.iterdir()] == ["cancer"]


def test_classification_numbers_are_what_they_claim(cancer):
    X, y, result = cancer
    strength = result.tables["strength"]
    assert len(strength) == 3 * SMALL["n_alphas"]
    for penalty, rows in strength.groupby("penalty"):
        rows = rows.sort_values("alpha")
        assert rows["alpha"].is_unique
        assert rows["chosen"].str.contains("best").sum() == 1
        assert rows["chosen"].str.contains("1-SE").sum() == 1
        if penalty.startswith("L2"):
            # Weight decay shrinks without zeroing; the norm falls with alpha.
            assert np.all(rows["nonzero_share"] == 1.0)
            assert np.all(np.diff(rows["weight_norm"].to_numpy()) <= 1e-6)
        else:
            # The grid starts at the alpha that zeroes every weight.
            assert rows["nonzero_share"].iloc[-1] == 0
            assert rows["nonzero_share"].iloc[0] > 0
    penalties = result.tables["penalties"].set_index("penalty")
    l2 = penalties.loc["L2 (weight decay)"]
    best = strength[(strength["penalty"] == "L2 (weight decay)")]
    assert l2["alpha"] == best.loc[best["chosen"].str.contains("best"), "alpha"].item()
    assert l2["cv_mean"] == pytest.approx(best["validation_mean"].max())

    # Refit independently on the same split: the same scores.
    codes = np.unique(y, return_inverse=True)[1]
    X_train, X_val, y_train, y_val = train_test_split(
        X, codes, test_size=0.25, stratify=codes, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    model = DecayLogisticClassifier(alpha=l2["alpha"]).fit(
        scaler.transform(X_train), y_train
    )
    assert model.score(scaler.transform(X_val), y_val) == pytest.approx(
        l2["validation_score"]
    )
    assert model.score(scaler.transform(X_train), y_train) == pytest.approx(
        l2["train_score"]
    )
    decay = result.tables["decay"]
    assert list(decay["model"]) == ["linear"] * 2 + ["MLP"] * 3
    assert np.all(decay["fit_time_s"] > 0)
    assert decay["gap"].to_numpy() == pytest.approx(
        (decay["train_score"] - decay["validation_score"]).to_numpy()
    )
    # scikit-learn's LogisticRegression at the mapped C reaches the same optimum.
    twins = result.tables["sklearn"].set_index("penalty")
    assert abs(twins.loc["L2 (weight decay)", "objective_gap"]) < 1e-3


def test_network_epoch_table(cancer):
    _, _, result = cancer
    epochs = result.tables["mlp_epochs"]
    # No decay, then coupled and decoupled, L2 and L1, at one strength each.
    assert epochs["run"].nunique() == 5
    assert epochs.groupby("run")["epoch"].max().eq(4).all()
    l2_runs = epochs[epochs["penalty"] != "l1"]
    assert np.all(l2_runs["nonzero_share"] == 1.0)
    assert np.all(epochs["weight_norm"] > 0)
    assert set(epochs["decay_mode"]) == {"none", "l2", "decoupled"}
    assert epochs["validation_score"].between(0, 1).all()


def test_regression_study(tmp_path):
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    result = skdecay.study(X, y, name="diabetes", output=tmp_path / "out", **SMALL)
    # type_of_target calls diabetes' integer-valued target 'multiclass'.
    assert result.task == "regression"
    assert "mlp_epochs" not in result.tables
    twins = result.tables["sklearn"].set_index("penalty")
    assert twins.loc["L2 (weight decay)", "sklearn"].startswith("Ridge(alpha=")
    # Ridge and the exact Newton step agree to rounding.
    assert abs(twins.loc["L2 (weight decay)", "objective_gap"]) < 1e-8
    assert twins.loc["L2 (weight decay)", "coef_difference"] < 1e-6
    penalties = result.tables["penalties"].set_index("penalty")
    X_train, X_val, y_train, y_val = train_test_split(
        X, y.to_numpy(), test_size=0.25, random_state=0
    )
    scaler = StandardScaler().fit(X_train)
    for name, penalty in (("L2 (weight decay)", "l2"), ("L1 (lasso)", "l1")):
        row = penalties.loc[name]
        model = DecayLinearRegressor(penalty=penalty, alpha=row["alpha"]).fit(
            scaler.transform(X_train), y_train
        )
        assert model.score(scaler.transform(X_val), y_val) == pytest.approx(
            row["validation_score"], rel=1e-6
        )
    assert "R²" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")


def test_csv_with_a_categorical_column(tmp_path, capsys):
    csv = tmp_path / "shop.csv"
    _write_csv(csv)
    out = tmp_path / "report"
    options = ["--target", "label", "--output", str(out), "--alphas", "4"]
    status = main(["study", str(csv), *options, "--folds", "3"])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    # The tables go to stdout, the progress bar to stderr.
    assert "None vs L2 vs L1 vs elastic net" in captured.out
    assert f"Report: {out.resolve() / 'report.html'}" in captured.out
    assert "writing the report" in captured.err
    weights = pd.read_csv(out / "weights.csv")
    # One-hot columns of 'colour', scaled numeric columns.
    assert {"colour_red", "colour_green", "colour_blue", "size", "weight"} == set(
        weights["feature"]
    )
    # The informative colour gets a larger weight than the noise column.
    l2 = weights.set_index("feature")["L2 (weight decay)"].abs()
    assert l2["colour_red"] > l2["weight"]
    summary = pd.read_csv(out / "data.csv").set_index("item")["value"]
    assert summary["categorical columns"] == "colour"
    assert "'binary'" in summary["task"]


def test_bad_target_names_the_columns(tmp_path, capsys):
    csv = tmp_path / "shop.csv"
    _write_csv(csv)
    out = tmp_path / "report"
    status = main(["study", str(csv), "--target", "lable", "--output", str(out)])
    err = capsys.readouterr().err
    assert status == 2
    assert "has no column 'lable'" in err and "Did you mean 'label'?" in err
    for column in ("size", "weight", "colour", "label"):
        assert repr(column) in err
    assert not out.exists()
    with pytest.raises(StudyInputError, match="--target COLUMN"):
        load_source(str(csv))


def test_one_class_target_is_a_clear_error(tmp_path, capsys):
    frame = _write_csv(tmp_path / "shop.csv")
    frame["label"] = "yes"
    frame.to_csv(tmp_path / "one.csv", index=False)
    out = tmp_path / "report"
    options = ["--target", "label", "--output", str(out)]
    status = main(["study", str(tmp_path / "one.csv"), *options])
    assert status == 2
    assert "single value ('yes')" in capsys.readouterr().err
    assert not out.exists()
    with pytest.raises(ValueError, match="single value"):
        skdecay.study(frame.drop(columns="label"), frame["label"], output=out, **SMALL)
    assert not out.exists()


def test_html_report_is_valid_html5_with_every_table_and_image(cancer):
    _, _, result = cancer
    document = _parse(result.html)
    tables = document.findall(".//table")
    # The data summary, then one table per CSV.
    assert len(tables) == 1 + len(result.tables) - 1
    for key in result.tables:
        if key != "data":
            section = document.find(f".//section[@id='{key}']")
            assert section is not None and section.find(".//table/tbody/tr") is not None
    images = document.findall(".//img")
    assert len(images) == len(result.figures)
    for image in images:
        source = image.get("src")
        assert source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1]).startswith(b"\x89PNG")
        assert image.get("alt")
    # Opens without network access: nothing is fetched from elsewhere.
    for element in document.iter():
        for attribute in ("src", "href"):
            value = element.get(attribute) or ""
            assert not value.startswith(("http:", "https:", "//")), value
    assert document.findall(".//script") == []


def test_data_strings_are_escaped(tmp_path):
    evil = "<script>alert(1)</script>"
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            evil: rng.normal(size=80),
            # A '$' pair would start matplotlib's mathtext, and this one breaks it.
            "cost $x^$": rng.normal(size=80),
            "<b>kind</b>": rng.choice(["<i>a</i>", "<img src=x onerror=alert(2)>"], 80),
        }
    )
    frame["target"] = np.where(frame[evil] > 0, evil, "<u>plain</u>")
    csv = tmp_path / "<script>.csv"
    frame.to_csv(csv, index=False)
    out = tmp_path / "report"
    options = ["--target", "target", "--output", str(out), "--alphas", "3"]
    assert main(["study", str(csv), *options, "--folds", "2", "--quiet"]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    document = _parse(out / "report.html")
    assert document.findall(".//script") == []
    assert document.findall(".//b") == [] and document.findall(".//u") == []
    assert [img.get("src")[:5] for img in document.findall(".//img")] == ["data:"] * 4
    assert "<script" not in html.lower() and "<img src=x" not in html
    handlers = [
        name for e in document.iter() for name in e.attrib if name.startswith("on")
    ]
    assert handlers == []
    # The strings are shown, as text.
    text = "".join(document.itertext())
    assert evil in text and "<u>plain</u>" in text and "<script>" in text
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "<script" not in markdown and "&lt;script&gt;" in markdown


def test_help_explains_every_option():
    result = subprocess.run(
        [sys.executable, "-m", "skdecay", "study", "--help"],
        capture_output=True, text=True, env=_env(), timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for option in (
        "--target COLUMN",
        "--task {classification,regression}",
        "--mlp",
        "--output DIR",
        "--quiet",
        "--random-state SEED",
        "breast_cancer",
        'pip install "skdecay[report]"',
    ):
        assert option in result.stdout


def test_command_runs_quietly_in_a_subprocess(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "skdecay", "study", "iris", *QUICK, "--quiet"],
        capture_output=True, text=True, env=_env(), cwd=tmp_path, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = tmp_path / "skdecay-study-iris" / "report.html"
    assert result.stdout.strip() == str(report)
    assert report.is_file()
    assert "it/s" not in result.stderr and "step" not in result.stderr


def test_importing_skdecay_does_not_import_the_report_extra():
    code = (
        "import sys, skdecay; "
        "print([m for m in ('jinja2', 'matplotlib', 'tqdm', 'skdecay._study') "
        "if m in sys.modules]); "
        "print(callable(skdecay.study), 'jinja2' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(),
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["[]", "True False"]


def test_missing_extra_names_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "jinja2", None)
    with pytest.raises(ImportError, match=r'Jinja2.*pip install "skdecay\[report\]"'):
        require_report_extra()


def test_california_housing_is_never_downloaded(tmp_path, monkeypatch):
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path))
    with pytest.raises(StudyInputError, match="never downloads"):
        load_source("california_housing")
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_output_folder_is_replaced_whole_or_not_at_all(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("keep me")
    X, y = load_breast_cancer(return_X_y=True)
    with pytest.raises(StudyInputError, match=r"thesis\.tex"):
        skdecay.study(X, y, output=foreign, **SMALL)
    assert [p.name for p in foreign.iterdir()] == ["thesis.tex"]
    # A previous report is replaced by the new files only.
    old = tmp_path / "old"
    write_folder(old, {"report.html": b"old", "strength.csv": b"a\n"})
    write_folder(old, {"report.html": b"new"})
    assert [p.name for p in old.iterdir()] == ["report.html"]
    assert (old / "report.html").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "old"]


def test_parquet_input(tmp_path):
    pytest.importorskip("pyarrow")
    frame = _write_csv(tmp_path / "shop.csv")
    frame.to_parquet(tmp_path / "shop.parquet")
    data = load_source(str(tmp_path / "shop.parquet"), "label")
    assert list(data.X.columns) == ["size", "weight", "colour"]
    assert data.y.tolist() == frame["label"].tolist()


def test_parquet_without_an_engine_says_what_to_install(tmp_path, monkeypatch):
    (tmp_path / "shop.parquet").write_bytes(b"PAR1")

    def no_engine(*args, **kwargs):
        raise ImportError("Unable to find a usable engine")

    monkeypatch.setattr(pd, "read_parquet", no_engine)
    with pytest.raises(StudyInputError, match="needs pyarrow: pip install pyarrow"):
        load_source(str(tmp_path / "shop.parquet"), "label")
