"""The adapter bundle: found, read and written in one place, the way `train` and `ask` both see it."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from explore.agent import bundle
from explore.agent.bundle import (
    BundleNotFound,
    HeadFileError,
    adapters_in,
    default_adapter_dir,
    find_adapters,
    load_env_config,
    load_head,
    save_env_config,
    save_head,
    shipped_start,
    trained_config,
    trained_head,
)
from explore.agent.env import EnvConfig, EnvConfigError, navigator_config


def _adapter(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text("{}")
    return folder


def test_find_adapters_takes_a_bundle_a_single_adapter_or_the_repos_own(tmp_path: Path) -> None:
    run = tmp_path / "run"
    _adapter(run / "policy")
    _adapter(run / "reflector")
    (run / "reflector-old").mkdir()  # not an adapter name: ignored
    assert find_adapters(None, run) == {"policy": run / "policy", "reflector": run / "reflector"}
    assert find_adapters(None, run / "policy") == {"policy": run / "policy"}  # a single adapter is the policy

    with pytest.raises(BundleNotFound, match="no such folder"):
        find_adapters(None, tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleNotFound, match="no policy/ or reflector/"):
        find_adapters(None, tmp_path / "empty")

    repo = tmp_path / "repo"
    repo.mkdir()
    assert find_adapters(repo, None) == {}  # nothing trained: the caller takes the shipped navigator
    _adapter(default_adapter_dir(repo) / "policy")
    assert find_adapters(repo, None) == {"policy": default_adapter_dir(repo) / "policy"}
    assert find_adapters(None, None) == {}


def test_default_adapter_dir_is_per_repository_inside_the_cache(tmp_path: Path, explore_cache: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    where = default_adapter_dir(tmp_path / "a")
    assert where.parent == explore_cache / "adapters" and where.name.startswith("a-")
    assert default_adapter_dir(tmp_path / "a" / ".." / "a") == where != default_adapter_dir(tmp_path / "b")


def test_settings_round_trip_and_a_damaged_file_says_what_to_do(tmp_path: Path) -> None:
    save_env_config(navigator_config(shuffle_labels=True), tmp_path)
    save_head("line", tmp_path)
    assert load_env_config(tmp_path) == navigator_config()  # training-only perturbations are dropped
    assert load_head(tmp_path) == "line"
    assert load_env_config(tmp_path / "none") is None and load_head(tmp_path / "none") is None

    (tmp_path / "env.json").write_text("[1, 2]")
    with pytest.raises(EnvConfigError, match="retrain"):
        load_env_config(tmp_path)
    (tmp_path / "policy.json").write_text(json.dumps({"head": "telepathy"}))
    with pytest.raises(HeadFileError, match="upgrade"):
        load_head(tmp_path)
    # values of the wrong kind were taken without a word ("max_steps": "abc") or broke a walk later
    for bad in ({"max_steps": "abc"}, {"result_lines": "x"}, {"max_steps": -1}, {"scent": "no"},
                {"candidates": 2.5}, {"rewards": {"step_cost": "x"}}, {"rewards": {"success": float("nan")}}):
        (tmp_path / "env.json").write_text(json.dumps(bad))
        with pytest.raises(EnvConfigError, match="retrain"):
            load_env_config(tmp_path)
    (tmp_path / "env.json").write_text(json.dumps({"max_steps": 8, "rewards": {"success": 1}}))  # a whole weight
    assert load_env_config(tmp_path).max_steps == 8


def test_settings_are_found_beside_or_inside_the_policy_adapter(tmp_path: Path) -> None:
    beside = tmp_path / "beside"
    _adapter(beside / "policy")
    save_env_config(EnvConfig(candidates=3), beside)
    save_head("line", beside)
    inside = _adapter(tmp_path / "inside")
    save_env_config(EnvConfig(candidates=2), inside)
    assert trained_config({"policy": beside / "policy"}).candidates == 3
    assert trained_head({"policy": str(beside / "policy")}) == "line"
    assert trained_config({"policy": inside}).candidates == 2
    assert trained_head({"policy": inside}) == "label"  # adapters from before the choice
    assert trained_config({"reflector": inside}) is None and trained_head({}) == "label"


def test_a_run_starts_from_the_shipped_navigator_only_when_it_fits(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = tmp_path / "navigator"
    _adapter(shipped / "policy")
    save_env_config(navigator_config(), shipped)
    monkeypatch.setattr(bundle, "NAVIGATOR_DIR", shipped)
    assert adapters_in(shipped) == bundle.shipped_adapters() == {"policy": shipped / "policy"}
    assert shipped_start("smollm2-135m", navigator_config(max_steps=30)) == shipped  # the horizon is no shape
    assert shipped_start("smollm2-135m", navigator_config(), from_scratch=True) is None
    assert shipped_start("tiny-random", navigator_config()) is None
    assert shipped_start("smollm2-135m", navigator_config(result_lines=20)) is None


def test_the_shipped_navigator_is_where_a_default_run_starts() -> None:
    """The package's own navigator/ folder, not a copy: a default `explore train` (the
    default model, the default observation settings) continues the shipped navigator. When
    the navigator shipped with ``hybrid`` offers and the defaults still said ``bm25``, every
    run silently started from fresh adapters and `ask` then walked with them."""
    from explore.training.config import TrainConfig

    assert bundle.shipped_adapters(), "the package ships a navigator"
    assert load_env_config(bundle.NAVIGATOR_DIR) == navigator_config()
    assert shipped_start("smollm2-135m", TrainConfig().env) == bundle.NAVIGATOR_DIR


def test_export_writes_a_bundle_that_ask_loads_as_trained(make_repo, tmp_path: Path) -> None:
    from explore.agent.explorer import Explorer
    from explore.agent.models import TINY_RANDOM, new_lora, resolve_model

    model = new_lora(resolve_model(TINY_RANDOM), "policy")
    out = tmp_path / "run"
    out.mkdir()
    bundle.export(model, ["policy"], out, navigator_config(), "line")
    bundle.export(model, ["policy"], out, navigator_config(candidates=4), "line")  # a second export replaces
    assert adapters_in(out) == {"policy": out / "policy"}
    assert sorted(p.name for p in out.iterdir()) == ["env.json", "policy", "policy.json"]  # nothing half-left
    repo = make_repo(tmp_path, {"retry.py": "def backoff(n):\n    return 2 ** n\n"})
    explorer = Explorer(repo, model="tiny-random", adapters=find_adapters(None, out))
    assert explorer.config.candidates == 4 and explorer.policy.head == "line"


def test_finding_a_bundle_needs_neither_torch_nor_training() -> None:
    """`ask` resolves its adapters before any model loads: the bundle module stays light."""
    code = ("import sys, explore.agent.bundle; "
            "print(sorted(m for m in ('torch', 'transformers', 'peft', 'explore.training') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def test_an_adapter_a_killed_run_left_set_aside_is_found_again(tmp_path: Path) -> None:
    """A run killed between the two renames of an adapter swap left no `policy/`: `ask`
    fell back to the shipped navigator, and the next export deleted the only copy."""
    out = tmp_path / "run"
    for aside in (out / ".policy.old",  # how earlier versions set it aside
                  out / ".policy.999999999-0123abcd.new.tmp"):  # replacing_folder's finished folder, writer gone
        aside.mkdir(parents=True)
        (aside / "adapter_config.json").write_text("{}")
        assert adapters_in(out) == {"policy": out / "policy"}, aside
        assert not aside.exists()
        shutil.rmtree(out / "policy")
