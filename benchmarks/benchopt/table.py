"""Time to a relative suboptimality, per problem, from benchopt result files.

Usage::

    python benchmarks/benchopt/table.py RESULT.parquet [RESULT.parquet ...]
        [--target 1e-6] [--ours skdecay]

Reads the parquet (or csv) files ``benchopt run`` writes in its
``outputs/`` folder and prints one row per problem (dataset x objective):
the time each solver needs to reach the target, and the ratio of ``--ours``
to the fastest other solver.

Definitions, per problem:

* ``F*`` is the smallest objective any solver reached in any run, and ``F0``
  the objective at the start (the largest value recorded at ``stop_val = 0``,
  the zero vector every solver here returns; benchopt's own plots use the
  largest value at ``stop_val = 1`` when there is none);
* a point's relative suboptimality is ``(F - F*) / (F0 - F*)``;
* a solver's time to the target is the time of the first point (in
  ``stop_val`` order) at or below the target, per repetition, and the median
  over repetitions; every point is a separate run, timed by benchopt around
  ``Solver.run`` only.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import pandas as pd


def load(paths: list[str]) -> pd.DataFrame:
    """The rows of every result file, one frame."""
    frames = []
    for path in paths:
        path = Path(path)
        if path.suffix == ".csv":
            frames.append(pd.read_csv(path))
        else:
            frames.append(pd.read_parquet(path))
    return pd.concat(frames, ignore_index=True)


def time_to_target(df: pd.DataFrame, target: float) -> pd.DataFrame:
    """Per problem and solver: ``time`` to ``target``, ``n_rep`` reaching it,
    the ``stop_val`` reached, the best relative suboptimality seen and the
    median time of the ``stop_val = 1`` point (``first_ms``)."""
    rows = []
    for (data, objective), problem in df.groupby(["data_name", "objective_name"]):
        values = problem["objective_value"].astype(float)
        best = values.min()
        start = problem.loc[problem["stop_val"] == 0, "objective_value"]
        if start.empty:
            start = problem.loc[problem["stop_val"] == 1, "objective_value"]
        f0 = float(start.max()) if not start.empty else float(values.max())
        span = f0 - best if f0 > best else 1.0
        for solver, runs in problem.groupby("solver_name"):
            times, stops, reached = [], [], 0
            closest = math.inf
            for _, rep in runs.groupby("idx_rep"):
                rep = rep.sort_values("stop_val")
                rel = (rep["objective_value"].astype(float) - best) / span
                closest = min(closest, float(rel.min()))
                hit = rep[rel.to_numpy() <= target]
                if hit.empty:
                    continue
                reached += 1
                times.append(float(hit["time"].iloc[0]))
                stops.append(hit["stop_val"].iloc[0])
            first = runs.loc[runs["stop_val"] == 1, "time"]
            rows.append(
                dict(
                    data=data,
                    objective=objective,
                    solver=solver,
                    first_ms=1e3 * first.median() if not first.empty else math.nan,
                    time=pd.Series(times).median() if times else math.nan,
                    stop_val=pd.Series(stops).median() if stops else math.nan,
                    n_rep=f"{reached}/{runs['idx_rep'].nunique()}",
                    closest=closest,
                )
            )
    return pd.DataFrame(rows)


def ratios(times: pd.DataFrame, ours: str) -> pd.DataFrame:
    """One row per problem and variant of ours (a solver whose name starts
    with ``ours``): its time, the fastest other solver's and the ratio."""
    rows = []
    for (data, objective), problem in times.groupby(["data", "objective"]):
        is_ours = problem["solver"].str.startswith(ours)
        peers = problem[~is_ours].dropna(subset=["time"])
        if peers.empty:
            fastest, peer_time = "(none reached)", math.nan
        else:
            best = peers.loc[peers["time"].idxmin()]
            fastest, peer_time = best["solver"], float(best["time"])
        for _, mine in problem[is_ours].iterrows():
            rows.append(
                dict(
                    data=data,
                    objective=objective,
                    ours=mine["solver"],
                    ours_ms=1e3 * mine["time"],
                    ours_iter=mine["stop_val"],
                    fastest_peer=fastest,
                    peer_ms=1e3 * peer_time,
                    ratio=mine["time"] / peer_time,
                )
            )
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    """The ratio table, one line per problem and variant, in Markdown."""
    lines = [
        "| data | objective | ours | ours ms (iter) | fastest peer | peer ms | ratio |",
        "|---|---|---|---:|---|---:|---:|",
    ]
    for row in table.itertuples():
        lines.append(
            f"| {row.data} | {row.objective} | {row.ours} | "
            f"{row.ours_ms:.3g} ({row.ours_iter:g}) | {row.fastest_peer} | "
            f"{row.peer_ms:.3g} | **{row.ratio:.2f}** |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", help="benchopt parquet/csv files")
    parser.add_argument("--target", type=float, default=1e-6)
    parser.add_argument("--ours", default="skdecay")
    parser.add_argument("--all", action="store_true", help="every solver's time")
    parser.add_argument(
        "--markdown", action="store_true", help="the ratio table in Markdown"
    )
    args = parser.parse_args()
    df = load(args.results)
    times = time_to_target(df, args.target)
    with pd.option_context(
        "display.width", 200, "display.max_columns", 20, "display.max_rows", 500,
        "display.max_colwidth", 60,
    ):  # fmt: skip
        if args.all:
            shown = times.assign(ms=1e3 * times["time"]).drop(columns="time")
            print(shown.to_string(index=False, float_format="%.4g"))
            print()
        table = ratios(times, args.ours)
        if args.markdown:
            print(markdown(table))
        else:
            print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))


if __name__ == "__main__":
    main()
