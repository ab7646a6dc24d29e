"""The ``rtlbo`` command line. Errors a user can cause print one line; ``--debug`` shows tracebacks."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from objectives.errors import RtlboError
from objectives.files import path_problem
from objectives.runner import SANDBOX_ENV, sandboxed
from objectives.sources import SourceSettings, name_values

app = typer.Typer(
    help="Multi-objective Bayesian optimization of RTL generation and synthesis flows "
    "(power, delay, area) on a real Yosys/ABC/OpenSTA toolchain.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    epilog="Examples:  rtlbo eval --task mac8  ·  rtlbo run examples/quickstart.yaml  ·  "
    "rtlbo pareto runs/quickstart --explain  ·  rtlbo export runs/quickstart --out best/  ·  "
    "rtlbo report runs/quickstart.  Docs: docs/*.md",
)
tasks_app = typer.Typer(help="Inspect task suites; turn your design into a task.", no_args_is_help=True)
app.add_typer(tasks_app, name="tasks")
TASK_HELP = "Task name (repeatable); default: the whole suite."
# What a design's files may need besides themselves (objectives.sources), for eval and tasks init.
IncludeDirs = Annotated[list[Path] | None, typer.Option(
    "--include-dir", "-I", help="Folder to search for `include files (repeatable).")]
Defines = Annotated[list[str] | None, typer.Option(
    "--define", "-D", help="Macro defined before the first file: NAME or NAME=VALUE (repeatable).")]
Parameters = Annotated[list[str] | None, typer.Option(
    "--param", "-P", help="Top module parameter to set: NAME=VALUE (repeatable).")]
SUITE_HELP = "builtin, tasks:/path, rtllm:/path or verilogeval:/path."
EVALUATING = ("eval", "run", "score")  # the commands that run tools on RTL
# A bad command line raises typer's copy of click's exception; BadParameter is the one typer exports.
_COMMAND_LINE_ERROR = next(k for k in typer.BadParameter.__mro__ if k.__name__ == "ClickException")
# Piped output (CI logs, files) gets a wide table instead of rich's 80-column default.
out = Console(width=None if sys.stdout.isatty() else 150)
err = Console(stderr=True)


@app.callback()
def _global(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    no_sandbox: Annotated[bool, typer.Option(
        "--no-sandbox", help=f"Run the tools without their OS sandbox ({SANDBOX_ENV}=off): only for RTL you trust.")
    ] = False,
) -> None:
    """rtlbo: measure, optimize and export hardware generation flows."""
    if no_sandbox:
        os.environ[SANDBOX_ENV] = "off"
    if ctx.invoked_subcommand in EVALUATING and not sandboxed():
        err.print(f"[bold yellow]warning:[/] the tools run without the sandbox ({SANDBOX_ENV}=off); "
                  "use this only on RTL you trust", highlight=False)


@app.command("eval")
def eval_command(
    task: Annotated[list[str] | None, typer.Option("--task", "-t", help=TASK_HELP)] = None,
    suite: Annotated[str, typer.Option(help=SUITE_HELP)] = "builtin",
    rtl: Annotated[list[Path] | None, typer.Option(
        help="Verilog files (repeatable): your design (no --task), or a candidate for the --task.")] = None,
    testbench: Annotated[Path | None, typer.Option(help="With your design: a self-checking testbench.")] = None,
    include_dir: IncludeDirs = None,
    define: Defines = None,
    param: Parameters = None,
    top: Annotated[str | None, typer.Option(help="Your design's top module (default: the one no module "
                                                  "instantiates).")] = None,
    clock: Annotated[list[str] | None, typer.Option(
        help="Your design's clock port (repeatable; default: the inputs it uses only as edges).")] = None,
    reset: Annotated[str | None, typer.Option(help="Your design's reset port (default: inferred).")] = None,
    period: Annotated[float | None, typer.Option(
        help="Clock period in ns (default: 1.25 x the baseline flow's delay).")] = None,
    forbid: Annotated[list[str] | None, typer.Option(
        help="Lint finding that makes a design infeasible, besides comb-loop and multiple-drivers (repeatable).")
    ] = None,
    allow: Annotated[list[str] | None, typer.Option(help="Lint finding to allow (repeatable).")] = None,
    skip_proved_gatesim: Annotated[bool, typer.Option(
        "--skip-proved-gatesim", help="No gate-level simulation for netlists proved equivalent.")] = False,
    recipe: Annotated[Path | None, typer.Option(help="Synthesis recipe (YAML); default: Yosys's default flow.")] = None,
    config: Annotated[Path | None, typer.Option(help="An export of rtlbo export: reproduce its metrics.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the evaluation records as JSON.")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Bypass the evaluation cache.")] = False,
    cache: Annotated[Path | None, typer.Option(help="Cache file (default $RTLBO_CACHE or ~/.cache/rtlbo).")] = None,
    workers: Annotated[int, typer.Option(min=1, max=256, help="Evaluations run in parallel.")] = 2,
    artifacts: Annotated[Path | None, typer.Option(help="Write each task's RTL, scripts, netlist, logs here.")] = None,
) -> None:
    """Run designs through the feasibility cascade and report PPA stage by stage."""
    from objectives.lint import lint_policy
    from optimize.eval_command import EvalRequest, run_eval

    request = EvalRequest(
        tasks=task or [], suite=suite, rtl=rtl or [], testbench=testbench, top=top, clocks=clock, reset=reset,
        sources=source_options(include_dir, define, param),
        period=period, recipe=recipe, config=config, use_cache=not no_cache, cache=cache,
        workers=workers, artifacts=artifacts, lint=lint_policy(forbid or [], allow or []),
        gate_level=not skip_proved_gatesim,
    )
    evaluations = run_eval(request, console=err)
    if as_json:
        data = [e.to_dict() for e in evaluations]
        out.print_json(json.dumps(data[0] if len(data) == 1 else data))
    else:
        from optimize.console import evaluation_failures, evaluation_table

        out.print(evaluation_table(evaluations))
        for line in evaluation_failures(evaluations):
            out.print(line)
    if config is not None:
        from optimize.console import plain
        from optimize.package import compare, load_export

        folder = load_export(config)[1]
        differences = [d for e in evaluations for d in compare(e, folder)]
        for line in differences:
            err.print(f"[red]not reproduced:[/] {plain(line)}")
        if differences:
            raise typer.Exit(1)
        err.print(f"[green]reproduced every exported metric of {len(evaluations)} task(s) exactly[/]")
    if not all(e.feasible for e in evaluations):
        raise typer.Exit(1)


@app.command("run")
def run_command(
    target: Annotated[Path, typer.Argument(help="A campaign file (YAML), or a run directory with --resume.")],
    resume: Annotated[bool, typer.Option("--resume", help="Continue the run directory TARGET.")] = False,
    output: Annotated[Path | None, typer.Option(help="Run directory (default: the campaign's output).")] = None,
    warm_start: Annotated[list[Path] | None, typer.Option(
        "--warm-start", help="Import an earlier run's trials first (repeatable).")] = None,
) -> None:
    """Run a multi-objective campaign; print its Pareto set against the baseline flow."""
    from optimize.console import print_summary
    from optimize.loop import run

    try:
        runs = run(target, resume, output, err, warm_start or [])
    except KeyboardInterrupt as exc:  # one line, then the shell's convention for SIGINT
        err.print(f"[yellow]interrupted{': ' + str(exc) if str(exc) else ''}[/]", highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    for finished in runs:
        print_summary(finished, out)


@app.command()
def status(run_dir: Annotated[Path, typer.Argument(help="A run directory.")]) -> None:
    """Trials done, failed and pending; the best points and the hypervolume so far."""
    from optimize.console import print_summary
    from optimize.runs import load_runs

    for each in load_runs(run_dir):
        print_summary(each, out)


@app.command()
def repair(run_dir: Annotated[Path, typer.Argument(help="A run directory whose trials.sqlite is damaged.")]) -> None:
    """Rebuild a damaged trial table from every readable trial (and the last good copy)."""
    from optimize.runs import read_campaign
    from optimize.store import repair as repair_store

    # A trial outside the run's space (an edit by hand) cannot be read either.
    space = read_campaign(run_dir)[1] if (run_dir / "campaign.yaml").is_file() else None
    repaired = repair_store(run_dir, space and space.misfits)
    if repaired is None:
        out.print(f"{run_dir}: the trial table is not damaged; nothing to repair")
        return
    out.print(f"repaired {run_dir}: kept {repaired.kept} trials ({repaired.from_backup} from the last good copy, "
              f"{repaired.reset} to evaluate again), lost {repaired.lost}; the damaged file is kept as "
              f"{repaired.damaged}; continue with: rtlbo run {run_dir} --resume", soft_wrap=True)


@app.command()
def pareto(
    run_dir: Annotated[Path, typer.Argument(help="A run directory.")],
    prefer: Annotated[str | None, typer.Option(help="Weights like power=1,delay=3,area=1: the best fit.")] = None,
    task: Annotated[str | None, typer.Option(help="The Pareto set on one task's own ratios.")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Implied trade-off weights of each point.")] = False,
) -> None:
    """The feasible Pareto set, its hypervolume (and history), PAMA scores, knee and preference picks."""
    from optimize.console import print_pareto, weights_table
    from optimize.runs import load_runs

    runs = load_runs(run_dir)
    if task is not None and len(runs) > 1:  # a per-task campaign: that task's own run
        runs = [run for run in runs if task in run.baseline.per_task] or runs
    for run in runs:
        print_pareto(run, out, prefer=prefer, task=task)
        if explain and (front := run.front(task)):
            from optimize.surrogate import explain as implied  # fits a GP: the one reading that loads torch

            out.print(weights_table(implied(run.space, run.trials, front, run.objectives), run.objectives))


@app.command("export")
def export_command(
    run_dir: Annotated[Path, typer.Argument(help="A run directory.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the package into.")],
    select: Annotated[str, typer.Option(help="pama, knee, trial:N or prefer:power=1,delay=3,area=1.")] = "pama",
) -> None:
    """Export one configuration as a reproducible package (config, scripts, netlists, metrics)."""
    from optimize.export import export, export_per_task
    from optimize.runs import load_runs, task_runs

    runs = load_runs(run_dir)
    if task_runs(run_dir):
        path = export_per_task(runs, select, out_dir)
        what = f"each task's own configuration ({select})"
    else:
        trial = runs[0].select(select)
        path = export(runs[0], trial, select, out_dir)
        what = f"trial {trial.id} ({select})"
    out.print(f"exported {what} to [bold]{path.parent}[/]; reproduce with: rtlbo eval --config {path.parent} "
              "--no-cache")


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory.")],
    open_browser: Annotated[bool, typer.Option("--open", help="Open the page in a browser, if there is one.")] = False,
    against: Annotated[Path | None, typer.Option(
        help="A run of one shared configuration over the same tasks, for a per-task campaign's comparison.")] = None,
) -> None:
    """Write an HTML report with plots (RUN/report/index.html, PNGs beside it) and print its path."""
    from optimize.runs import load_runs, task_runs

    # A bad run directory is an error before the plotting libraries set up their caches.
    runs, per_task = load_runs(run_dir), bool(task_runs(run_dir))
    shared = load_runs(against) if against is not None else None
    if shared is not None and (not per_task or len(shared) != 1 or task_runs(against)):
        raise RtlboError("--against compares a per-task campaign (RUN) with a campaign of one shared configuration; "
                         "give a per-task run directory and a shared one")
    from optimize.report import build_per_task_report, build_report

    page = build_per_task_report(run_dir, runs, shared[0] if shared else None) if per_task else build_report(runs[0])
    out.print(f"report: [bold]{page}[/]")
    if open_browser:
        import webbrowser

        if not webbrowser.open(page.resolve().as_uri()):
            err.print("no browser found here; open the file above by hand")


@app.command("score")
def score_command(
    samples: Annotated[list[Path], typer.Option(
        "--samples", help="A model's answers: a folder (one folder per sample holding <task>.v files, or "
        "<task>_sample<N>.v files) or a JSONL file (task, text); repeat to compare models side by side.")],
    suite: Annotated[str, typer.Option(help=SUITE_HELP)] = "builtin",
    task: Annotated[list[str] | None, typer.Option("--task", "-t", help=TASK_HELP)] = None,
    k: Annotated[list[int] | None, typer.Option(
        "--k", min=1, help="pass@k to report (repeatable; default 1, 5, 20 where every task has k samples).")] = None,
    recipe: Annotated[Path | None, typer.Option(help="Synthesis recipe (YAML); default: Yosys's default flow.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    html: Annotated[Path | None, typer.Option(help="Also write the scores as an HTML page here.")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Bypass the evaluation cache.")] = False,
    cache: Annotated[Path | None, typer.Option(help="Cache file (default $RTLBO_CACHE or ~/.cache/rtlbo).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Evaluations run in parallel.")] = 2,
) -> None:
    """Score recorded completions of any model: the funnel, pass@k and PPA against each reference."""
    from objectives.cache import EvalCache
    from optimize.console import score_failures, score_table, score_task_table
    from optimize.scoreboard import run_score, write_html

    if html is not None and (problem := path_problem(html, "file")):
        raise RtlboError(f"--html {html} {problem}")
    report = run_score(suite, samples, task, k, recipe, lambda: None if no_cache else EvalCache(cache), workers, err)
    if as_json:
        out.print_json(json.dumps(report))
    else:
        out.print(score_table(report))
        out.print(score_task_table(report))
        for line in score_failures(report):
            out.print(line, highlight=False)
    if html is not None:
        err.print(f"scores page: [bold]{write_html(report, html)}[/]")


@app.command()
def doctor() -> None:
    """Check the external tools and the liberty; print versions and how to install what is missing."""
    from optimize.doctor import run_doctor

    if not run_doctor(out):
        raise typer.Exit(1)


@tasks_app.command("list")
def tasks_list(
    suite: Annotated[str, typer.Option(help=SUITE_HELP)] = "builtin",
) -> None:
    """List a suite's tasks, and the folders skipped with the reason."""
    from objectives.suites import load_suite
    from optimize.console import plain, suite_table

    loaded = load_suite(suite)
    out.print(suite_table(loaded))
    for name, reason in loaded.skipped:
        out.print(f"[yellow]skipped[/] {plain(name)}: {plain(reason)}")


@tasks_app.command("init")
def tasks_init(
    folder: Annotated[Path, typer.Argument(help="The suite folder (created if needed); use it as tasks:FOLDER.")],
    rtl: Annotated[list[Path], typer.Option(help="The design's Verilog files (repeatable).")],
    name: Annotated[str | None, typer.Option(help="The task's name (default: the top module).")] = None,
    top: Annotated[str | None, typer.Option(help="Top module (default: the one no module instantiates).")] = None,
    clock: Annotated[list[str] | None, typer.Option(
        help="Clock port (repeatable; default: the inputs the design uses only as edges).")] = None,
    reset: Annotated[str | None, typer.Option(help="Reset port (default: inferred).")] = None,
    period: Annotated[float | None, typer.Option(
        min=0.001, help="Clock period in ns (default: 1.25 x the baseline flow's delay).")] = None,
    testbench: Annotated[Path | None, typer.Option(help="A self-checking testbench, if the design has one.")] = None,
    include_dir: IncludeDirs = None,
    define: Defines = None,
    param: Parameters = None,
) -> None:
    """Write a task folder for your design: top, clocks and reset inferred where unambiguous."""
    from objectives.design import design_task, write_task_folder
    from optimize.console import plain

    task = design_task(rtl, top, clock, reset, period, testbench, name, source_options(include_dir, define, param))
    written = write_task_folder(task, folder)
    clocks = ", ".join(port for port, _ in task.clocks) or "none (combinational)"
    out.print(f"wrote {plain(written)}: top {plain(task.top)}, clocks {plain(clocks)}, "
              f"reset {plain(task.reset or 'none')}; "
              f"evaluate with: rtlbo eval --suite tasks:{folder}", highlight=False, soft_wrap=True)


def source_options(include_dirs: list[Path] | None, defines: list[str] | None,
                   parameters: list[str] | None) -> SourceSettings:
    """Return what --include-dir, --define and --param add to a design's files."""
    return SourceSettings(tuple(include_dirs or ()), name_values(defines or [], "--define"),
                         name_values(parameters or [], "--param"))


def main() -> None:
    """Console entry point: run the app; print an RtlboError or a bad command line as one line
    (traceback with --debug) and exit 2."""
    try:
        code = app(standalone_mode=False)
    except RtlboError as exc:
        if "--debug" in sys.argv:
            raise
        from optimize.console import plain

        err.print(f"[bold red]error:[/] {plain(exc)}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except _COMMAND_LINE_ERROR as exc:
        context = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group command: typer printed its help
            sys.exit(2)
        message = " ".join(exc.format_message().split()).rstrip(".")
        hint = f"; see '{context.command_path} --help'" if context is not None else ""
        err.print(f"[bold red]error:[/] {message}{hint}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
