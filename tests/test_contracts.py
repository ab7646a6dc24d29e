"""The private Ax, BoTorch and GPyTorch internals rtlbo's fast Ax strategy builds on.

`optimize/optimizers/ax.py` and `optimize/optimizers/ax_strategy/` (`__init__.py`, `gp_model.py`)
override or read a few internals that no public API promises. If an upgrade of a pinned version
changes one of them, these tests fail with a message naming what changed and where rtlbo uses it,
before a campaign behaves strangely.
"""

from __future__ import annotations

import inspect

import pytest
import torch

pytest.importorskip("ax")

WHERE = "optimize/optimizers/{}; check the new version's source and adapt it there"


def _params(function: object) -> list[str]:
    return [p for p in inspect.signature(function).parameters if p != "self"]


def test_ax_acquisition_has_the_hooks_the_believer_overrides():
    from ax.generators.torch.botorch_modular.acquisition import Acquisition

    where = WHERE.format("ax_strategy/__init__.py (FastAcquisition)")
    construct = getattr(Acquisition, "_construct_botorch_acquisition", None)
    assert construct is not None, f"Ax's Acquisition lost _construct_botorch_acquisition; {where}"
    assert _params(construct) == ["botorch_acqf_class", "botorch_acqf_options", "model"], (
        f"Acquisition._construct_botorch_acquisition takes {_params(construct)} now; {where}")
    assert callable(getattr(Acquisition, "get_botorch_objective_and_transform", None)), (
        f"Acquisition.get_botorch_objective_and_transform is gone; {where}")
    source = inspect.getsource(Acquisition)
    for attribute in ("X_pending", "X_observed", "_objective_weights", "_outcome_constraints",
                      "_objective_thresholds", "options"):
        assert f"self.{attribute}" in source, f"Ax's Acquisition no longer sets self.{attribute}; {where}"


def test_botorch_keeps_raw_training_inputs_and_fits_with_a_fallback():
    import botorch.fit
    from botorch.models import SingleTaskGP
    from botorch.models.transforms.input import Normalize

    where = WHERE.format("ax_strategy/gp_model.py (WarmStartSingleTaskGP)")
    assert callable(getattr(botorch.fit, "_fit_fallback", None)), f"botorch.fit._fit_fallback is gone; {where}"
    X, Y = torch.rand(6, 2, dtype=torch.double), torch.rand(6, 2, dtype=torch.double)
    model = SingleTaskGP(X, Y, input_transform=Normalize(d=2))
    model.eval()
    assert hasattr(model, "_original_train_inputs"), (
        f"BoTorch no longer keeps _original_train_inputs on models with an input transform; {where}")
    assert callable(getattr(model, "subset_output", None)) and hasattr(model, "_num_outputs"), (
        f"BoTorch's subset_output/_num_outputs changed; {where}")
    assert hasattr(model, "_input_batch_shape"), f"BoTorch's _input_batch_shape is gone; {where}"


def test_gpytorch_prediction_caches_the_direct_posterior_reads():
    from botorch.models import SingleTaskGP

    where = WHERE.format("ax_strategy/gp_model.py (WarmStartSingleTaskGP.posterior)")
    X, Y = torch.rand(6, 2, dtype=torch.double), torch.rand(6, 2, dtype=torch.double)
    model = SingleTaskGP(X, Y)
    model.eval()
    model.posterior(torch.rand(1, 2, dtype=torch.double))  # builds the caches
    strategy = model.prediction_strategy
    assert strategy is not None, f"GPyTorch builds no prediction_strategy on the first posterior; {where}"
    for cache in ("mean_cache", "covar_cache"):
        assert torch.is_tensor(getattr(strategy, cache, None)), (
            f"GPyTorch's prediction strategy has no {cache}; {where}")


def test_ax_surrogate_keeps_its_last_fit_per_outcome_and_dispatches_model_inputs_by_class():
    from ax.generators.torch.botorch_modular import surrogate
    from botorch.models import SingleTaskGP

    where = WHERE.format("ax_strategy/gp_model.py (_inputs_with_warm_start)")
    dispatch = getattr(surrogate, "submodel_input_constructor", None)
    assert dispatch is not None and callable(getattr(dispatch, "register", None)), (
        f"Ax's surrogate.submodel_input_constructor dispatcher is gone; {where}")
    assert _params(dispatch.dispatch(SingleTaskGP)) == [
        "botorch_model_class", "model_config", "dataset", "search_space_digest", "surrogate"], (
        f"Ax's submodel input constructors take {_params(dispatch.dispatch(SingleTaskGP))} now; {where}")
    init = inspect.getsource(surrogate.Surrogate.__init__)
    for attribute in ("_submodels", "_last_datasets"):
        assert f"self.{attribute}" in init, f"Ax's Surrogate no longer keeps self.{attribute}; {where}"


def test_ax_names_one_hot_inputs_with_the_infix_the_idle_knob_rules_use():
    from ax.adapter.transforms import one_hot

    where = WHERE.format("ax.py (ax_inactive_inputs)")
    assert getattr(one_hot, "OH_PARAM_INFIX", None) == "_OH_PARAM_", (
        f"Ax's one-hot transform names its inputs differently now; {where}")
