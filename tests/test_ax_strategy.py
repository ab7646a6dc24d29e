"""The default optimizer's generation strategy: initialization size, cheap acquisition settings,
and the GP's direct posterior inside Ax. Outcomes come from a small analytic function of the real
synthesis space (the optimizer is under test here, not the toolchain)."""

from __future__ import annotations

import itertools
import json

import pytest
import torch
from ax.api.client import Client
from botorch.acquisition.multi_objective.logei import qLogExpectedHypervolumeImprovement
from botorch.utils.multi_objective.box_decompositions.non_dominated import FastNondominatedPartitioning
from botorch.utils.multi_objective.pareto import is_non_dominated

from objectives.errors import RtlboError
from optimize.optimizers import Outcome, OutcomeConstraint, Problem, ax_strategy, make_optimizer
from optimize.optimizers.ax import AxOptimizer, ax_inactive_inputs, ax_sequence_inputs
from optimize.optimizers.ax_strategy import (
    MC_SAMPLES,
    PROBES,
    _climb,
    _neighbours,
    _Unseen,
    build_generation_strategy,
    gp_model,
    initialization_trials,
)
from optimize.optimizers.ax_strategy.gp_model import WarmStartSingleTaskGP
from optimize.optimizers.ax_strategy.ssk import SubsequenceStringKernel
from optimize.spaces import packaged_space
from search_spaces import build_space
from search_spaces.space import Knob, SearchSpace

SPACE = build_space([("synthesis", packaged_space("synthesis"))])


def analytic_outcome(config: dict) -> Outcome:
    """A smooth stand-in for a synthesis flow's (power, delay, area) ratios and its slack; like the
    flow, it runs the effective configuration (idle knobs at their defaults)."""
    config = SPACE.effective(config)
    t = float(config["abc_delay_target"])
    area = 1.0 - 0.1 * config["booth"] + 0.05 * config["gate_sizing"] + 0.02 * t
    delay = 1.0 - 0.1 * config["gate_sizing"] + 0.05 * (t - 0.7) ** 2 - 0.03 * (config["abc_recipe"] == "speed")
    power = area**0.5 * (1.0 + 0.02 * config["retime"])
    # pass_rate is tracked, not constrained, as in a campaign: Ax fits it and drops it from the
    # model its acquisition uses.
    return Outcome({"power": power, "delay": delay, "area": area}, {"worst_slack": 1.05 - delay, "pass_rate": 1.0})


def problem(budget: int | None) -> Problem:
    return Problem(SPACE, ("power", "delay", "area"), (OutcomeConstraint("worst_slack", ">=", 0.0),),
                   seed=3, reference_point=1.1, budget=budget)


def test_initialization_is_twice_the_knobs_capped_by_a_fifth_of_the_budget():
    assert initialization_trials(11, None) == 22
    assert initialization_trials(11, 60) == 12
    assert initialization_trials(11, 200) == 22
    assert initialization_trials(11, 24) == 5
    assert initialization_trials(1, 100) == 5


def test_ax_switches_from_sobol_to_botorch_after_the_initialization_trials(monkeypatch):
    fits = []  # the iteration cap of each GP fit
    real_fit = gp_model._fit_fallback

    def fit(mll, optimizer_kwargs, **kwargs):
        fits.append(optimizer_kwargs["options"]["maxiter"])
        return real_fit(mll, optimizer_kwargs=optimizer_kwargs, **kwargs)

    monkeypatch.setattr(gp_model, "_fit_fallback", fit)
    optimizer = make_optimizer("ax", problem(budget=30))  # 6 initialization trials, the baseline among them
    baseline = optimizer.attach(SPACE.baseline(), proposed=False)
    optimizer.tell(baseline, analytic_outcome(SPACE.baseline()))
    nodes = []
    while len(nodes) < 11:
        for trial_id, config in optimizer.ask(3):
            nodes.append(optimizer.client._experiment.trials[trial_id].generator_runs[0]._generation_node_name)
            optimizer.tell(trial_id, analytic_outcome(config))
    assert nodes[:5] == ["Sobol"] * 5 and set(nodes[5:]) == {"MBM"}
    # The first fit starts from BoTorch's defaults, each later one from the fit before it (the
    # campaign's own surrogate keeps it).
    assert fits[0] == gp_model.COLD_FIT_MAXITER and len(fits) > 1 and set(fits[1:]) == {gp_model.WARM_FIT_MAXITER}
    acquisition = optimizer.client._generation_strategy._curr.generator_specs[0].fitted_adapter.generator._acquisition
    assert isinstance(acquisition.acqf, _Unseen)  # what the acquisition makes of a point already seen
    acqf = acquisition.acqf.acqf
    assert isinstance(acqf, qLogExpectedHypervolumeImprovement)
    assert acqf.sampler.sample_shape == torch.Size([MC_SAMPLES])
    assert isinstance(acqf.model, WarmStartSingleTaskGP) and acqf.model.fast_posterior

    # The last proposal of a batch of 3 had 2 pending points: they join the front at their
    # posterior mean instead of being scored jointly with the candidate, and the GP is
    # conditioned on them there (nothing left to learn at a pending point).
    assert acqf.X_pending is None and acquisition.X_pending.shape[0] == 2
    used = [i for i, name in enumerate(acquisition.surrogate.outcomes) if name != "pass_rate"]
    fitted = acquisition.surrogate.model.subset_output(used)  # the model the acquisition was built on
    X = torch.cat([acquisition.X_observed, acquisition.X_pending])
    with torch.no_grad():
        mean = fitted.posterior(X).mean
        believed = acqf.model.posterior(acquisition.X_pending.unsqueeze(-2))
        unbelieved = fitted.posterior(acquisition.X_pending.unsqueeze(-2))
    assert torch.allclose(believed.mean, unbelieved.mean, rtol=1e-4, atol=1e-6)
    assert (believed.variance < 1e-3 * unbelieved.variance).all()
    feasible = torch.stack([c(mean) <= 0 for c in acqf.constraints], dim=-1).all(dim=-1)
    Y = acqf.objective(mean[feasible])
    front = Y[is_non_dominated(Y)]
    assert front.shape[0] >= 1
    lower, upper = FastNondominatedPartitioning(ref_point=acqf.ref_point, Y=front).get_hypercell_bounds()
    assert torch.allclose(acqf.cell_lower_bounds, lower) and torch.allclose(acqf.cell_upper_bounds, upper)
    assert torch.equal(acqf.X_baseline, X[feasible][is_non_dominated(Y)])  # the optimizer's starting neighbourhood


def first_bo_batch(fast_posterior: bool) -> list[dict]:
    """The first batch of 3 BoTorch proposals of a campaign (seed 3, 6 initialization trials)."""
    campaign = problem(budget=30)
    optimizer = make_optimizer("ax", campaign)
    init = initialization_trials(len(SPACE.tunable), campaign.budget)
    optimizer.client.set_generation_strategy(
        build_generation_strategy(campaign.seed, None, init, fast_posterior=fast_posterior)
    )
    baseline = optimizer.attach(SPACE.baseline(), proposed=False)
    optimizer.tell(baseline, analytic_outcome(SPACE.baseline()))
    while True:
        batch = optimizer.ask(3)
        nodes = {optimizer.client._experiment.trials[i].generator_runs[0]._generation_node_name for i, _ in batch}
        if nodes == {"MBM"}:
            return [config for _, config in batch]
        for trial_id, config in batch:
            optimizer.tell(trial_id, analytic_outcome(config))


def test_direct_posterior_proposes_what_botorchs_posterior_proposes():
    direct, reference = first_bo_batch(fast_posterior=True), first_bo_batch(fast_posterior=False)
    for got, want in zip(direct, reference, strict=True):
        assert got.keys() == want.keys()
        for name, value in got.items():
            if isinstance(value, float):
                # The posteriors agree to 1e-9; over the synthesis space's ~110 inputs the acquisition
                # optimizer's few L-BFGS-B steps (MIXED_OPTIONS) carry that to the third decimal.
                assert value == pytest.approx(want[name], abs=1e-2), name
            else:
                assert value == want[name], name


def told_three_batches() -> AxOptimizer:
    """The default optimizer after the baseline and three batches of 3, all told."""
    optimizer = make_optimizer("ax", problem(budget=30))
    baseline = optimizer.attach(SPACE.baseline(), proposed=False)
    optimizer.tell(baseline, analytic_outcome(SPACE.baseline()))
    for _ in range(3):
        for trial_id, config in optimizer.ask(3):
            optimizer.tell(trial_id, analytic_outcome(config))
    return optimizer


def test_saved_snapshot_loads_and_keeps_proposing(tmp_path):
    optimizer = told_three_batches()
    optimizer.save(str(tmp_path))

    client = Client.load_from_json_file(str(tmp_path / "ax_client.json"))
    trials = client.get_next_trials(max_trials=2)
    assert len(trials) == 2
    node = client._generation_strategy._curr
    assert node.name == "MBM"
    (model_config,) = node.generator_specs[0].generator_kwargs["surrogate_spec"].model_configs
    assert model_config.botorch_model_class is WarmStartSingleTaskGP
    assert model_config.model_options["fast_posterior"] is True
    assert model_config.model_options["inactive_inputs"] == json.loads(json.dumps(ax_inactive_inputs(SPACE)))


def test_model_sees_configurations_that_differ_in_an_idle_knob_as_one_point():
    optimizer = told_three_batches()
    acquisition = optimizer.client._generation_strategy._curr.generator_specs[0].fitted_adapter.generator._acquisition
    delay_rule = next(i for i, rule in enumerate(ax_inactive_inputs(SPACE)) if rule["hold"][0][0] == "abc_delay_target")
    [(delay_column, _)], conditions, _ = acquisition.acqf.model.input_transform["inactive"].rules[delay_rule]
    X = acquisition.X_observed
    idle_rows = torch.stack([X[:, column] == 0 for column, _ in conditions]).all(dim=0)
    x = X[idle_rows][:1]  # e.g. the baseline: yosys-default, no gate sizing, no retiming
    assert x.shape[0] == 1

    def delay_target_pair(acting_column: int | None) -> list[float]:
        """Acquisition values at delay targets 0.2 and 1.3 with the baseline's other knobs."""
        candidates = x.repeat(2, 1).unsqueeze(1)
        candidates[:, 0, delay_column] = torch.tensor([0.2, 1.3], dtype=x.dtype)
        if acting_column is not None:
            candidates[:, 0, acting_column] = 1.0
        with torch.no_grad():  # the acquisition itself, not what it makes of points already seen
            return acquisition.acqf.acqf(candidates).tolist()

    idle = delay_target_pair(None)
    assert idle[0] == idle[1]
    acting = delay_target_pair(conditions[0][0])  # resyn2's one-hot input set: the target acts
    assert acting[0] != acting[1]


SEQUENCES = build_space([("sequences", {"knobs": {
    "abc_recipe": {"type": "choice", "values": ["resyn2", "area", "sequence"]},
    "abc_sequence": {"type": "sequence", "values": ["balance", "rewrite", "refactor", "resub"], "length": 5,
                     "default": ["balance", "rewrite", "refactor", "balance", "rewrite"],
                     "active_when": {"abc_recipe": ["sequence"]}},
    "abc_delay_target": {"type": "float", "low": 0.0, "high": 1.0},
}})])


def sequence_outcome(config: dict) -> Outcome:
    """Power falls with each rewrite, delay with each refactor followed by a resub."""
    config = SEQUENCES.effective(config)
    ops, t = config["abc_sequence"], float(config["abc_delay_target"])
    pairs = sum(a == "refactor" and b == "resub" for a, b in itertools.pairwise(ops))
    power = 1.0 - 0.05 * ops.count("rewrite") + 0.1 * t
    delay = 1.0 - 0.1 * pairs + 0.05 * (t - 0.5) ** 2
    return Outcome({"power": power, "delay": delay}, {"worst_slack": 1.0})


@pytest.mark.parametrize("kernel", ["ssk", "categorical"])
def test_ax_proposes_sequences_and_models_them_with_the_chosen_kernel(kernel: str, monkeypatch):
    """Ax relaxes a sequence's positions to numbers and rounds them; with either kernel, the climb
    over the positions finds a point that scores higher than Ax's candidate in some BO step."""
    climbs: list[tuple[torch.Tensor, torch.Tensor]] = []

    def climb(acqf, starts, groups):
        point, value = _climb(acqf, starts, groups)
        with torch.no_grad():
            climbs.append((value, acqf(starts.unsqueeze(-2)).reshape(())))  # the climb's, Ax's candidate's
        return point, value

    monkeypatch.setattr(ax_strategy, "_climb", climb)
    campaign = Problem(SEQUENCES, ("power", "delay"), (OutcomeConstraint("worst_slack", ">=", 0.0),), seed=1,
                       reference_point=1.2, budget=15)
    optimizer = make_optimizer({"name": "ax", "sequence_kernel": kernel}, campaign)
    baseline = optimizer.attach(SEQUENCES.baseline(), proposed=False)
    optimizer.tell(baseline, sequence_outcome(SEQUENCES.baseline()))
    proposals = []
    for _ in range(4):
        for trial_id, config in optimizer.ask(3):
            assert SEQUENCES.violations(config) == [] and len(config["abc_sequence"]) == 5
            proposals.append(config)
            optimizer.tell(trial_id, sequence_outcome(config))
    assert len({str(c) for c in proposals}) == len(proposals)
    assert any(best > relaxed for best, relaxed in climbs), climbs
    acquisition = optimizer.client._generation_strategy._curr.generator_specs[0].fitted_adapter.generator._acquisition
    model = acquisition.acqf.model
    kernels = getattr(model.covar_module, "kernels", [model.covar_module])
    strings = [k for k in kernels if isinstance(k, SubsequenceStringKernel)]
    if kernel == "categorical":
        assert strings == []
        return
    # The string kernel reads the sequence's one-hot inputs position by position, each in value order.
    (ssk,) = strings
    column = {name: i for i, name in enumerate(acquisition.surrogate.training_data[0].feature_names)}
    (positions,) = ax_sequence_inputs(SEQUENCES)
    assert ssk.active_dims.tolist() == [column[name] for position in positions for name in position]
    # Where abc_recipe is not sequence, the sequence's inputs are held at its default, one-hot.
    X = acquisition.X_observed
    held = model.transform_inputs(X)
    idle = X[:, column["abc_recipe_OH_PARAM_2"]] == 0
    default = torch.nn.functional.one_hot(torch.tensor([0, 1, 2, 0, 1]), 4).flatten().to(X)
    assert idle.any() and torch.equal(held[idle][:, ssk.active_dims], default.expand(int(idle.sum()), -1))


def test_a_two_valued_sequence_needs_the_categorical_kernel():
    space = build_space([("s", {"knobs": {"s": {"type": "sequence", "values": ["a", "b"], "length": 3}}})])
    with pytest.raises(RtlboError, match="has two values.*give the optimizer sequence_kernel: categorical"):
        ax_sequence_inputs(space)


def test_ax_never_proposes_a_configuration_already_measured_or_pending():
    """On discrete knobs the acquisition optimizer lands on observed points again (the GP's noise
    leaves them some value); a deterministic flow measured again teaches nothing."""
    space = SearchSpace(knobs=[Knob(name="a", type="choice", values=["x", "y", "z"]),
                               Knob(name="b", type="choice", values=["p", "q", "r"]), Knob(name="c", type="bool"),
                               Knob(name="d", type="float", low=0.0, high=1.0, default=0.0, active_when={"c": [True]})])
    optimizer = make_optimizer("ax", Problem(space, ("power", "delay", "area"), (), seed=3, reference_point=1.1,
                                             budget=16))

    def outcome(config: dict) -> Outcome:
        a, b = "xyz".index(config["a"]), "pqr".index(config["b"])
        area = 0.8 + 0.05 * a + 0.02 * b
        delay = 1.0 - 0.04 * a + (0.01 + 0.02 * (config["d"] - 0.5) ** 2 if config["c"] else 0.0)
        return Outcome({"power": area, "delay": delay, "area": area}, {})

    proposed = []  # effective configurations: d idle (at its default) unless c
    while len(proposed) < 16:
        batch = optimizer.ask(2)
        proposed += [tuple(sorted(space.effective(config).items())) for _, config in batch]
        for trial_id, config in batch:
            optimizer.tell(trial_id, outcome(config))
    assert len(set(proposed)) == len(proposed), proposed


@pytest.mark.parametrize("ordered", [True, False])
def test_ax_never_proposes_a_value_merged_into_one_already_measured(ordered):
    """Where ``a`` is z, the levels 0.5, 1.0 and 1.5 of ``e`` run one flow (``merged_when``): the
    ten flows of this space are proposed in ten trials, none twice (the model snaps an ordered
    choice's input, and moves an unordered one's one-hot inputs)."""
    merge = {"when": {"a": "z"}, "values": [[0.5, 1.0, 1.5]]}
    space = SearchSpace(knobs=[Knob(name="a", type="choice", values=["x", "y", "z"]),
                               Knob(name="e", type="choice", values=[0.0, 0.5, 1.0, 1.5], ordered=ordered,
                                    merged_when=[merge])])
    optimizer = make_optimizer("ax", Problem(space, ("power", "delay", "area"), (), seed=3, reference_point=1.1,
                                             budget=10))
    proposed = []
    while len(proposed) < 10:
        batch = optimizer.ask(1)
        proposed += [tuple(sorted(space.effective(config).items())) for _, config in batch]
        for trial_id, config in batch:
            config = space.effective(config)
            area = 0.8 + 0.05 * "xyz".index(config["a"]) + 0.1 * config["e"]
            optimizer.tell(trial_id, Outcome({"power": area, "delay": 1.5 - config["e"], "area": area}, {}))
    assert len(set(proposed)) == len(proposed), proposed


@pytest.mark.parametrize("attached", [4, 10])
def test_attached_trials_move_ax_as_far_as_they_allow_before_it_proposes(attached):
    # A resumed campaign replays its trials, a warm start imports them: with enough of them the
    # first proposal is BoTorch's, not one more Sobol point; with too few, Sobol goes on.
    optimizer = make_optimizer("ax", problem(budget=30))  # 6 initialization trials
    for trial in [SPACE.baseline()] + [SPACE.decode([0.1 * i + 0.05] * SPACE.dimension) for i in range(attached - 1)]:
        optimizer.tell(optimizer.attach(trial, proposed=True), analytic_outcome(trial))
    ((trial_id, _),) = optimizer.ask(1)
    node = optimizer.client._experiment.trials[trial_id].generator_runs[0]._generation_node_name
    assert node == ("MBM" if attached >= 6 else "Sobol")


def test_ax_proposes_nothing_once_every_configuration_is_measured():
    """Six configurations: Ax proposes each once, then nothing (Ax itself raises, after minutes of
    drawing points already measured; a campaign whose budget outlasts its space must stop cleanly)."""
    space = SearchSpace(knobs=[Knob(name="f", type="bool", default=True),
                               Knob(name="c", type="choice", values=["x", "y", "z"])])
    optimizer = make_optimizer("ax", Problem(space, ("power", "delay", "area"), (), seed=0, reference_point=1.1,
                                             budget=12))
    proposed = []
    while batch := optimizer.ask(1):
        ((trial_id, config),) = batch
        proposed.append((config["f"], config["c"]))
        value = 0.8 + 0.1 * "xyz".index(config["c"]) + 0.05 * config["f"]
        optimizer.tell(trial_id, Outcome({"power": value, "delay": 2 - value, "area": value}, {}))
        assert len(proposed) <= 6, proposed
    assert sorted(proposed) == sorted(itertools.product([False, True], "xyz"))
    assert optimizer.strategy.current_node_name == "MBM"


def test_ax_passes_over_candidates_whose_flow_the_campaign_knows():
    """``b`` acts only beside ``a: p``, which the space does not say (as many ABC sequences give one
    netlist): 11 flows in 36 configurations. Told which flows are known (the campaign synthesizes
    a candidate to tell), Ax measures the 11 flows in 11 trials, each candidate whose flow is known
    giving way to one scored on the way whose flow is new. (Without it, seed 1 repeats flows in
    these 11 trials.)"""
    space = SearchSpace(knobs=[Knob(name="a", type="choice", values=list("pqrstu")),
                               Knob(name="b", type="choice", values=[0, 1, 2, 3, 4, 5])])

    def flow(config: dict) -> tuple:
        return config["a"], config["b"] if config["a"] == "p" else 0

    optimizer = make_optimizer("ax", Problem(space, ("power", "delay", "area"), (), seed=1, reference_point=1.1,
                                             budget=20))
    measured = []
    optimizer.known_flow = lambda config: flow(space.effective(config)) in measured
    for _ in range(11):
        ((trial_id, config),) = optimizer.ask(1)
        measured.append(flow(space.effective(config)))
        a, b = measured[-1]
        area = 0.75 + 0.04 * "pqrstu".index(a) + 0.03 * b
        optimizer.tell(trial_id, Outcome({"power": area, "delay": 1.25 - 0.05 * b - 0.01 * "pqrstu".index(a),
                                          "area": area}, {}))
    assert len(set(measured)) == 11, measured
    assert optimizer.passed_over > 0


def test_one_ask_puts_at_most_the_probing_questions_and_counts_only_candidates_passed_over():
    """Where every flow is known, a batch of three still asks the campaign ``PROBES`` questions in
    all (Ax generates a batch one trial at a time), and a candidate that found no runner-up to take
    its place is proposed, not counted as passed over."""
    space = SearchSpace(knobs=[Knob(name="a", type="choice", values=list("pqrstu")),
                               Knob(name="b", type="choice", values=[0, 1, 2, 3, 4, 5])])
    optimizer = make_optimizer("ax", Problem(space, ("power", "delay", "area"), (), seed=1, reference_point=1.1,
                                             budget=20))
    for trial_id in range(optimizer.initial_draws + 1):
        ((trial_id, config),) = optimizer.ask(1)
        area = 0.75 + 0.04 * "pqrstu".index(config["a"]) + 0.03 * config["b"]
        optimizer.tell(trial_id, Outcome({"power": area, "delay": 1.25 - 0.05 * config["b"], "area": area}, {}))
    asked: list[dict] = []
    optimizer.known_flow = lambda config: asked.append(dict(config)) or True
    proposals = [config for _, config in optimizer.ask(3)]
    assert len(proposals) == 3 and 1 < len(asked) <= PROBES
    stayed = sum(config in asked for config in proposals)
    assert stayed >= 1 and optimizer.passed_over == len(asked) - stayed


def test_the_seen_points_mask_passes_pending_points_to_the_acquisition_it_wraps():
    """In a batch, the acquisition optimizer conditions each candidate on the ones before it by
    setting them pending on the acquisition function it holds: the mask."""
    from botorch.acquisition.logei import qLogExpectedImprovement
    from botorch.models import SingleTaskGP

    X = torch.rand(5, 2, dtype=torch.double)
    Y = X.sum(-1, keepdim=True)
    acqf = qLogExpectedImprovement(SingleTaskGP(X, Y), best_f=Y.max())
    pending = torch.rand(2, 2, dtype=torch.double)
    mask = _Unseen(acqf, X)
    mask.set_X_pending(pending)
    assert acqf.X_pending is not None and torch.equal(acqf.X_pending, pending)
    assert mask.X_pending is not None and torch.equal(mask.X_pending, pending), "read back, as BoTorch does"


def test_the_climb_changes_one_choice_a_step_and_reaches_what_relaxation_misses():
    """Each neighbour of a point holds another value of exactly one choice; the climb walks from a
    point matching none of three positions to the one matching all (three steps), where the
    best rounded point of a relaxation would need all three at once."""
    groups = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    start = torch.tensor([[1.0, 0, 0, 1, 0, 0, 1, 0, 0]], dtype=torch.double)
    neighbours = _neighbours(start, groups)
    assert neighbours.shape == (1, 6, 9)
    assert {tuple(((n - start[0]) != 0).reshape(3, 3).any(-1).tolist()) for n in neighbours[0]} == {
        (True, False, False), (False, True, False), (False, False, True)}
    target = torch.tensor([0.0, 0, 1, 0, 1, 0, 0, 0, 1], dtype=torch.double)

    def matches(X: torch.Tensor) -> torch.Tensor:  # b x 1 x d -> b: how many positions hold the target
        return (X.squeeze(-2) * target).sum(-1)

    point, value = _climb(matches, start, groups)
    assert torch.equal(point, target) and value == 3
    invalid = start.clone()
    invalid[0, 1] = 1.0  # two values hot in the first group: not a point of the space
    assert _climb(matches, invalid, groups)[0].numel() == 0

