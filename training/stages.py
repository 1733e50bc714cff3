"""The stages of a training run after the tasks: model, demonstrations, SFT, RL.

:mod:`.pipeline` owns the output folder, resume checks and the public entry point;
:mod:`.run` the bookkeeping and the one loop both trained stages run in
(:meth:`~.run.Run.loop`: metrics, checkpoints, Ctrl-C). Each stage here builds its
trainer and hands it to that loop.
"""
from __future__ import annotations

import copy
import json
import os
import shlex
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from ..agent.answer import ANSWER_FILE
from ..agent.bundle import ADAPTER_NAMES, COMBINER_FILE, ENV_FILE, HEAD_FILE, NAVIGATOR_DIR, adapters_in, history_roots
from ..agent.env import RepoExploreEnv
from ..agent.task import Task
from ..sandbox.atomic import write_json
from ..sandbox.corpus import Corpus
from ..sandbox.snapshot import Repository
from .demos import DemoSet, build_demos
from .run import ProgressEvent, Run, TrainError
from .sft import SFTTrainer, adapter_params, lora_targets, use_bf16

if TYPE_CHECKING:
    from .checkpoint import Checkpoint


def check_from(from_dir: Path) -> None:
    """Refuse a ``--from`` folder that holds no policy adapter (said before any work: found
    after the tasks and the first evaluation, it left an --out no command could take)."""
    if "policy" not in adapters_in(from_dir):
        raise TrainError(f"--from {from_dir}: no policy/ adapter inside (expected {from_dir}/policy/adapter_config.json):"
                         " give a folder an earlier `explore train` wrote")


def pick_device(spec: str) -> torch.device:
    """The device ``--device`` names (:attr:`~.config.TrainConfig.device`); a GPU asked for
    where torch sees none is refused, naming the torch build."""
    spec = (spec or "auto").strip().lower()
    rank = int(os.environ.get("LOCAL_RANK", "0"))
    if spec == "auto":
        spec = "cuda" if torch.cuda.is_available() else "cpu"
    if spec == "cpu":
        return torch.device("cpu")
    if spec == "cuda" or spec.startswith("cuda:"):
        if not torch.cuda.is_available():
            build = f"torch {torch.__version__}" + (" (a CPU-only build)" if torch.version.cuda is None else "")
            raise TrainError(f"--device {spec}: no CUDA GPU is visible to {build}; use --device cpu")
        index = rank if spec == "cuda" else int(spec.partition(":")[2] or 0)
        if index >= torch.cuda.device_count():
            raise TrainError(f"--device {spec}: this machine has {torch.cuda.device_count()} CUDA GPU(s)")
        return torch.device("cuda", index)
    raise TrainError(f"--device {spec!r}: expected auto, cpu, cuda or cuda:N")


def load_model(run: Run, from_dir: Path | None) -> tuple[Any, Any]:
    """The base model with a ``policy`` (and ``reflector``) LoRA adapter: fresh, or from
    ``from_dir``, on the device the run trains on (:func:`pick_device`)."""
    from ..agent.models import ModelError, load_adapters, new_lora, resolve_model

    cfg = run.config
    device = pick_device(cfg.device)
    try:
        loaded = resolve_model(cfg.model)
    except ModelError as exc:
        raise TrainError(str(exc)) from None
    names = ["reflector", "policy"] if cfg.reflection else ["policy"]
    torch.manual_seed(cfg.seed)  # LoRA's A matrices are drawn at random: same seed, same start
    model: Any = loaded
    if from_dir is not None:
        check_from(from_dir)
        found = {n: path for n, path in adapters_in(from_dir).items() if n in names}
        try:
            model = load_adapters(loaded, found, trainable=list(found))
        except ModelError as exc:
            raise TrainError(str(exc)) from None
        names = [n for n in names if n not in found]
    for name in names:
        base = model.model if hasattr(model, "tokenizer") else model
        model = new_lora(model, name, r=cfg.sft.lora_r, alpha=cfg.sft.lora_alpha,
                         target_modules=lora_targets(base, cfg.sft.lora_layers))
    run.state["device"] = str(device)  # in summary.json: where this run's policy stages trained
    if device.type != "cpu":
        (model.model if hasattr(model, "tokenizer") else model).to(device)
        run.state["device"] = f"{device} ({torch.cuda.get_device_name(device)})"
        run.say(ProgressEvent("model", 1, 1, message=f"training on {run.state['device']}"))
    return model, loaded.tokenizer


def demonstrations(run: Run, repo: Repository | Corpus, tasks: list[Task]) -> DemoSet:
    path = run.out / "demos.jsonl"
    if path.is_file():
        return DemoSet.load(path)
    started = time.perf_counter()
    run.say(ProgressEvent("demos", 0, 1, message=f"demonstrations for {len(tasks)} tasks"))
    env = RepoExploreEnv(repo, tasks, copy.deepcopy(run.config.env))
    demos = build_demos(env, tasks, run.config.demos, teacher=run.teacher, seed=run.config.seed)
    demos.save(path)
    run.state["demos"] = {**demos.stats(), "target_negative_ratio": run.config.demos.negative_ratio}
    run.timed("demos", started)
    run.save_state()
    stats = run.state["demos"]
    run.say(ProgressEvent("demos", 1, 1, message=f"{stats['demos']} demonstrations, {stats['negative']} negative "
                                                 f"({stats['negative_ratio']:.0%})"))
    return demos


def supervised(run: Run, model: Any, tokenizer: Any, policy: Any, demos: DemoSet,
               checkpoint: "Checkpoint | None") -> None:
    cfg = run.config
    reflect = cfg.reflection
    policy_ex = [(o, n if reflect else "", labels, a) for o, n, labels, a in demos.policy_examples()]
    reflector_ex = [(o, n) for o, _kind, n in demos.reflector_examples()] if reflect else []
    trainer = SFTTrainer(model, tokenizer, policy, policy_ex, reflector_ex, cfg.sft, seed=cfg.seed)
    policy.autocast = trainer.bf16
    if checkpoint is not None:
        trainer.load_state_dict(checkpoint.state["trainer"])
    run.loop("sft", trainer, lambda: trainer.steps, cfg.sft.steps, every=cfg.sft.checkpoint_every,
             metrics="sft_metrics.jsonl", key="step")
    run.export(model, ["reflector", "policy"] if reflect else ["policy"])


def reinforce(run: Run, repo: Repository | Corpus, tasks: list[Task], model: Any, tokenizer: Any, policy: Any,
              checkpoint: "Checkpoint | None", notes: bool) -> bool:
    """Online RL; returns whether any update ran in this call. ``notes``: walk with the reflector
    (one SFT trained or ``--from`` brought)."""
    from ..agent.reflector import LoRAReflector
    from .curriculum import DepthCurriculum, UniformTasks
    from .rl import RLTrainer

    cfg = run.config
    envs = [RepoExploreEnv(repo, tasks, copy.deepcopy(cfg.env)) for _ in range(cfg.rl.episodes_per_update)]
    schedule = DepthCurriculum(tasks, cfg.schedule) if cfg.curriculum else UniformTasks(tasks)
    frozen = adapter_params(model, "reflector")
    for p in frozen:
        p.requires_grad_(False)
    reflector = (LoRAReflector(model, tokenizer, "reflector", max_new_tokens=cfg.rl.reflection_tokens)
                 if notes else None)
    policy.autocast = use_bf16(model, cfg.rl.bf16)
    policy.use_trunk(0)  # free SFT's cached states: every RL update brings new prompts
    trainer = RLTrainer(policy, envs, cfg.rl, reflector=reflector, schedule=schedule,
                        params=adapter_params(model, "policy"), seed=cfg.seed)
    if checkpoint is not None:
        params = dict(model.named_parameters())
        with torch.no_grad():
            for name, value in checkpoint.state.get("frozen", {}).items():
                params[name].copy_(value)
        trainer.load_state_dict(checkpoint.state["trainer"])
    # Taken after the restore: taken before, a resumed run saved the freshly loaded reflector
    # in its checkpoints, and the next resume restored that one instead of the trained one.
    names = {id(p): n for n, p in model.named_parameters()}
    frozen_state = {names[id(p)]: p.detach().clone() for p in frozen}
    return run.loop("rl", trainer, lambda: trainer.updates, cfg.rl.updates, every=cfg.rl.checkpoint_every,
                    metrics="metrics.jsonl", key="update", keep={"frozen": frozen_state},
                    on_checkpoint=lambda: run.export(model, ["policy"]))


def fit_retriever(run: Run, repo: Repository | Corpus) -> None:
    """Fit the candidate stage to the repository's own history (minutes, no model): the
    newest commits held out, the older ones teach the combiner; ``combiner.json`` is kept
    in the bundle only when :func:`~explore.retrieval.adapt.keeps` says so, on the training
    commits alone (the held-out ones score it). Done once per run,
    within ``config.budget`` when one is set."""
    from ..retrieval.adapt import FOLDS, OutOfBudget, TooLittleHistory, adapt
    from .tasks.history import PARTIAL_CLONE, scan_history

    if not run.config.retriever and "retriever" not in run.state and (run.out / COMBINER_FILE).is_file():
        # skipped, not undone: `ask --adapter` goes on ranking with the fit an earlier run left here, so
        # summary.json keeps what it learnt from (its cut and roots: `eval` and `--adapter` read them)
        run.state["retriever"] = {"fitted": True, "kept": False, "earlier_fit_stays": True,
                                  "why": "--no-retriever was given"}
        _earlier_fit(run)
        run.say(ProgressEvent("retriever", 1, 1, message=f"not fitted (--no-retriever); the earlier run's fit in "
                                                          f"{run.out / COMBINER_FILE} stays in use (remove it for the "
                                                          "shipped one)"))
    if not run.config.retriever or "retriever" in run.state or not isinstance(repo, Repository):
        return
    if not repo.is_git:
        why = (f"{repo.path} is a subfolder of the git repository {repo.top}: the stage is fitted to a whole "
               f"repository's history (`explore train {shlex.quote(str(repo.top))}`)" if repo.subdir
               else f"{repo.path} is not a git repository: there is no history to fit the stage to")
        run.state["retriever"] = {"fitted": False, "kept": False, "why": why}
        run.say(ProgressEvent("retriever", 1, 1, message=f"not fitted: {why}; the shipped one stays"))
        run.save_state()
        return
    started = time.perf_counter()
    run.say(ProgressEvent("retriever", 0, 1, message="reading the history to fit the candidate stage"))
    tasks, scan = scan_history(repo, run.rev)
    try:
        budget = None if run.config.budget is None else max(0.0, run.config.budget - (time.perf_counter() - started))
        out = adapt(repo, tasks, budget=budget,
                    progress=lambda done, total: run.say(ProgressEvent("retriever", done, total)))
    except (TooLittleHistory, OutOfBudget) as exc:
        why = (f"the time budget ({run.config.budget:g} s) was too short: " if isinstance(exc, OutOfBudget)
               and run.config.budget is not None else "") + str(exc) + (
            f" ({scan.describe().split('; the clone is shallow')[0]})" if isinstance(exc, TooLittleHistory)
            and scan.commits else "") + (
            "; the clone is shallow, so older history is cut off (`git fetch --unshallow` brings it)"
            if scan.shallow else "")
        earlier = (run.out / COMBINER_FILE).is_file() and isinstance(exc, OutOfBudget)
        if earlier:  # too short a budget says nothing against the earlier fit
            stays = "the earlier run's fit stays"
        else:
            (run.out / COMBINER_FILE).unlink(missing_ok=True)  # an earlier run's fit: the history no longer makes one
            stays = "the shipped one stays"
        # "fitted": whether `ask` and `search` rank with a fit of this repository (an earlier run's, here)
        run.state["retriever"] = {"fitted": earlier, "kept": False, "earlier_fit_stays": earlier, "why": why}
        if earlier:
            _earlier_fit(run)
        run.say(ProgressEvent("retriever", 1, 1, message=f"not fitted: {why}; {stays}"))
    else:
        kept = out.kept
        if kept:
            write_json(run.out / COMBINER_FILE, out.combiner.to_dict())
        else:
            (run.out / COMBINER_FILE).unlink(missing_ok=True)
        after = out.after if kept else out.before
        run.state["retriever"] = {"fitted": kept, "kept": kept, "train": out.n_train, "cut": out.cut,
                                  # the history's first commits: `--adapter` tells a fit of another repository by them
                                  "roots": history_roots(repo.path, run.rev or "HEAD"), "commits": scan.commits,
                                  "reused": out.reused, "outdated": out.outdated, "unreadable": out.unreadable,
                                  "lines_unknown": scan.lines_unknown, "cache_not_saved": out.not_saved or None,
                                  "validation": {"before": out.validation[0].to_dict(),
                                                 "after": out.validation[1].to_dict()}}
        run.state["heldout"] = {"what": f"candidate stage on the newest {out.before.n} qualifying commits",
                                "held_out_by_the_split": out.test_planned,
                                "before": out.before.to_dict(), "after": after.to_dict()}
        if not kept:  # what the fit left unused would have scored there (the training commits judged it)
            run.state["heldout"]["fit_not_kept"] = out.after.to_dict()
        val = out.validation
        verdict = ("kept" if kept else "not kept") + (f" (judged on {val[0].n} of them in {FOLDS} time blocks, each "
                                                      f"scored by a fit on the other {FOLDS - 1}: "
                                                      f"acc@1 {val[0].acc1:.3f} → {val[1].acc1:.3f}, acc@5 "
                                                      f"{val[0].acc5:.3f} → {val[1].acc5:.3f})")
        unused = "" if kept else f"; the fit would have scored {out.after.acc1:.2f}"
        reused = f" ({out.reused} of the questions made by an earlier run)" if out.reused else ""
        short = ""
        if run.config.budget is not None and out.test_planned > out.before.n + out.unreadable:
            short = (f" (the time split holds out {out.test_planned}; --budget {run.config.budget:.0f}s built these: "
                     "a longer budget tests on all, so runs with other budgets are not compared on the same commits)")
        damaged = ""
        if out.unreadable or scan.lines_unknown:  # a partial or damaged clone: what it cost, in its words
            cause = (PARTIAL_CLONE if scan.unreadable == PARTIAL_CLONE
                     else f"git could not read a file ({scan.unreadable or 'an object is missing'})")
            damaged = (f"; {cause}: {scan.lines_unknown} commits read without their line counts, {out.unreadable} "
                       "questions left out whose commit could not be laid out")
        lost = (f"; the cache could not keep the questions built ({out.not_saved}): a run after new commits builds "
                "them all again" if out.not_saved else "")
        run.say(ProgressEvent("retriever", 1, 1, message=(
            f"fitted on {out.n_train} older commits{reused}, {verdict}: acc@1 {out.before.acc1:.2f} → "
            f"{after.acc1:.2f} on the newest {out.before.n}{short}{unused}{damaged}{lost}")))
    run.timed("retriever", started)
    run.save_state()


def _earlier_fit(run: Run) -> None:
    """The earlier run's fit stays and ranks: its before/after (and its cut, which `eval --adapter`
    reads, and roots, which `--adapter` tells another repository's fit by) stay true of what ranks."""
    try:
        before = json.loads((run.out / "summary.json").read_text())
    except (OSError, ValueError):
        before = {}
    before = before if isinstance(before, dict) else {}
    held, fitted = before.get("heldout"), before.get("retriever")
    cut = fitted.get("cut") if isinstance(fitted, dict) else None
    roots = fitted.get("roots") if isinstance(fitted, dict) else None
    if isinstance(held, dict):
        run.state["heldout"] = {**held, "measured_by": "the earlier run, whose fit stays"}
    if cut:
        run.state["retriever"]["cut"] = cut
    if roots:
        run.state["retriever"]["roots"] = roots


def keep_policy(run: Run, start: Path) -> None:
    """No policy stage asked for: the policy ``start`` holds (the shipped navigator, or
    ``--from``) is the run's, its files copied into the output as they are (the adapters,
    ``env.json``, ``policy.json``, ``answer.json``) — no model is loaded, no task made."""
    copied = []
    for name in sorted(os.listdir(start)):
        src = start / name
        # the policy and what `ask` reads beside it; not the start's run records, evaluations or
        # combiner (this run fitted, or kept, its own)
        if not ((src.is_dir() and name in ADAPTER_NAMES) or name in (ENV_FILE, HEAD_FILE, ANSWER_FILE)):
            continue
        tmp = run.out / f".{name}.copy"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            if src.is_dir():
                _copy_folder(src, tmp)
            else:
                _copy_file(src, tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)  # no half copy left beside the run's files
            raise
        dst = run.out / name
        if dst.is_dir():
            shutil.rmtree(dst)
        os.replace(tmp, dst)
        copied.append(name)
    run.state["policy"] = {"trained": False, "from": str(start), "copied": copied,
                           "shipped": start.resolve() == NAVIGATOR_DIR}  # `ask` takes the install's own
    run.save_state()
    run.say(ProgressEvent("policy", 1, 1, message=f"kept as it is in {start} (no --sft-steps or --rl-updates)"))


def _copy_folder(src: Path, dst: Path) -> None:
    """``src`` copied to ``dst`` file by file, a failed write raising its own OSError (errno and
    file): shutil.copytree gathers its failures into one ``shutil.Error`` with none, and a full
    disk or `ulimit -f` came out as a traceback instead of what to do."""
    for top, folders, files in os.walk(src):
        here = dst / Path(top).relative_to(src)
        here.mkdir(parents=True, exist_ok=True)
        folders.sort()
        for name in sorted(files):
            _copy_file(Path(top) / name, here / name)


def _copy_file(src: Path, dst: Path) -> None:
    """``src`` copied to ``dst``; a failed write names ``dst`` (the kernel's copy named ``src``)."""
    try:
        shutil.copy2(src, dst)
    except OSError as exc:
        if exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror, str(dst)) from exc


def run_stages(run: Run, repo: Repository | Corpus, tasks_file: Path | None, from_dir: Path | None,
               checkpoint: "Checkpoint | None") -> None:
    """Candidate stage, tasks, model, evaluation before, demonstrations + SFT, RL, evaluation after."""
    from ..agent.policy import LMPolicy
    from ..agent.reflector import LoRAReflector, NoReflector

    cfg = run.config
    fit_retriever(run, repo)
    if cfg.sft.steps == 0 and cfg.rl.updates == 0 and checkpoint is None and from_dir is not None:
        keep_policy(run, from_dir)
        return
    run.state.pop("policy", None)  # a default run's "kept as it is", resumed here to train one
    train_tasks, test_tasks = run.tasks(repo, tasks_file)
    model, tokenizer = load_model(run, from_dir)
    policy = LMPolicy(model, tokenizer, adapter="policy", head=run.config.head)
    stage = checkpoint.stage if checkpoint is not None else None

    trained_notes = from_dir is not None and "reflector" in adapters_in(from_dir)
    # a reflector only where something trains it (SFT on the demonstrations' notes) or brings it (--from):
    # RL trains the policy alone, and a fresh reflector's notes were the base model's, ~5x a walk's time
    notes = cfg.reflection and (trained_notes or cfg.sft.steps > 0)
    if cfg.reflection and not notes:
        run.say(ProgressEvent("rl", 0, 1, message="no reflector: RL trains the policy alone and the starting "
                                                   "bundle has none (--sft-steps N trains one)"))

    def reflector() -> Any:
        return LoRAReflector(model, tokenizer, "reflector", max_new_tokens=cfg.rl.reflection_tokens) \
            if notes else NoReflector()

    if stage is None and (cfg.sft.steps > 0 or cfg.rl.updates > 0):
        # before any training: the base model (fresh LoRA is a no-op) without notes, as `ask` runs untrained;
        # a run that trains no policy has nothing to compare it with (`explore eval` measures it)
        run.evaluate("before", repo, test_tasks, policy, reflector() if trained_notes else NoReflector())
    if stage != "rl" and cfg.sft.steps > 0:
        demos = demonstrations(run, repo, train_tasks)
        supervised(run, model, tokenizer, policy, demos, checkpoint if stage == "sft" else None)
        run.evaluate("after_sft", repo, test_tasks, policy, reflector())
    elif stage is None:
        run.export(model, ["reflector", "policy"] if notes else ["policy"])
    if cfg.rl.updates > 0:
        reinforce(run, repo, train_tasks, model, tokenizer, policy, checkpoint if stage == "rl" else None, notes)
        run.evaluate("after_rl", repo, test_tasks, policy, reflector())  # again only if updates ran (Run.loop)
