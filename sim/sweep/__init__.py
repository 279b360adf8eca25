"""Parameter sweeps from TOML files: designs, common random numbers, resumable runs on any
executor.

A sweep file (``experiments/*.toml``; see ``docs/experiments.md``) names the scenario(s),
the drivers, the town, the run size, the replicates, the outcomes to keep, the design and the
parameters to vary::

    name = "online_rent_floor"
    scenarios = ["consumer_led"]
    replicates = 5
    years = 10
    outcomes = ["vacancy_rate", "shannon"]

    [design]
    kind = "grid"                       # grid | lhs | sobol | morris

    [parameters]
    "drivers.online_scale" = [0.5, 1.0, 1.5]
    "landlords.rent_floor" = [0.5, 1.0]  # lhs/sobol/morris: { lo = 0.5, hi = 1.0 }

    [fixed]
    "run.burn_in_weeks" = 52

    [small]                             # --size small: a tiny version for tests
    replicates = 2
    residents = 50

Parameters are addressed as ``group.name`` (any parameter of :mod:`sim.params`, checked with
:func:`sim.scenarios.check_value`) or ``drivers.online_scale``, ``drivers.online_shift``,
``drivers.chain_expansion`` (the drivers' uncertainties).

Every design point (*cell*) of every scenario runs with the same replicate seeds
(:func:`sim.streams.replicate_seeds`): common random numbers. A run is identified by a hash
of everything that determines it (scenario, drivers, town, size, parameters, seed, outcomes,
package version), so re-running a sweep skips the runs already in its log, whatever order
they ran in and whichever executor ran them.

Each finished run appends one line to ``runs.jsonl`` in the output folder (one ``write`` and
an ``fsync`` per line; a line cut short by a kill is dropped on the next start), so a killed
sweep loses no finished run. When all runs are done, ``runs.csv``, ``summary.csv``, figures
and (Sobol, Morris) ``sensitivity.csv`` are written atomically.

This module is the public face of three parts: :mod:`sim.sweep.spec` (reading and checking
sweep files, designs, the plan of runs), :mod:`sim.sweep.execute` (the workers' entry
point, the run log, the lock, running the plan through :mod:`sim.execution`) and
:mod:`sim.sweep.report` (collecting runs, summary and sensitivity tables, figures, report).
"""

from sim.runner import SLEEP_ENV
from sim.sweep.execute import (
    FAIL_ENV,
    RunLog,
    analyse_folder,
    default_out,
    run_point,
    run_sweep,
    sweep_task,
)
from sim.sweep.report import (
    RUN_COLUMNS,
    STATUS_COLUMNS,
    SweepResult,
    collect,
    report_markdown,
    sensitivity_tables,
    summary_table,
    sweep_figures,
    write_outputs,
)
from sim.sweep.spec import (
    DESIGNS,
    DRIVER_PARAMS,
    SMALL_DEFAULTS,
    SweepSpec,
    Task,
    check_param,
    design_points,
    load_sweep,
    parameter_keys,
    plan,
    salib_problem,
    split_point,
)

__all__ = [
    "DESIGNS",
    "DRIVER_PARAMS",
    "FAIL_ENV",
    "RUN_COLUMNS",
    "SLEEP_ENV",
    "SMALL_DEFAULTS",
    "STATUS_COLUMNS",
    "RunLog",
    "SweepResult",
    "SweepSpec",
    "Task",
    "analyse_folder",
    "check_param",
    "collect",
    "default_out",
    "design_points",
    "load_sweep",
    "parameter_keys",
    "plan",
    "report_markdown",
    "run_point",
    "run_sweep",
    "salib_problem",
    "sensitivity_tables",
    "split_point",
    "summary_table",
    "sweep_figures",
    "sweep_task",
    "write_outputs",
]
