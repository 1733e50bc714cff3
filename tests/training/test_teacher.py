"""Teacher reflections and demonstrations: no leaks, negative examples that recover."""
from __future__ import annotations

import random
from pathlib import PurePosixPath

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from explore.agent.env import EnvConfig, RepoExploreEnv
from explore.sandbox.snapshot import Repository
from explore.training.config import DemoConfig
from explore.training.demos import DemoError, build_demos, oracle_of
from explore.training.teacher import ChatTeacher, RuleTeacher, leaks_target, question_terms


def make_env(repo, tasks, **kw) -> RepoExploreEnv:
    return RepoExploreEnv(Repository(repo), tasks, EnvConfig(shuffle_labels=True, **kw))


def test_analyze_notes_never_name_an_unmatched_target(small_repo, tasks) -> None:
    env = make_env(small_repo, tasks)
    demos = build_demos(env, tasks, DemoConfig(negative_ratio=0.5), seed=3)
    by_id = {t.id: t for t in tasks}
    notes = [(by_id[d.task_id], s) for d in demos.demos for s in d.steps]
    assert len(notes) > 20
    for task, step in notes:
        target = task.targets[0]
        name = PurePosixPath(target).name
        assert target not in step.reflection
        if task.id != "install":  # the other questions share no word with their target's name
            assert name not in step.reflection, (task.question, step.reflection)
        assert not leaks_target(step.reflection, task.targets, task.question)
    # a name the question itself points at may be named: "install" matches install.md
    assert any("install.md" in s.reflection for t, s in notes if t.id == "install" and s.kind == "analyze")


def test_notes_use_what_the_student_sees(small_repo, tasks) -> None:
    env = make_env(small_repo, tasks)
    demo = build_demos(env, tasks[:1], DemoConfig(negative_ratio=0.0), seed=0).demos[0]
    first, last = demo.steps[0], demo.steps[-1]
    assert "'delay'" in first.reflection and "At the root" in first.reflection
    assert "folder with the strongest scent (9)" in first.reflection  # pkg/: evidence, not its name
    for step in demo.steps:  # the note never gives the choice away as a label
        assert f"({step.labels[step.action]})" not in step.reflection and " option " not in step.reflection
    assert last.action_text.startswith("answer ") and "file just read mentions" in last.reflection
    assert "answer with it" in last.reflection


def test_perturbed_demonstrations_recover(small_repo, tasks) -> None:
    env = make_env(small_repo, tasks)
    demos = build_demos(env, tasks, DemoConfig(negative_ratio=0.5), seed=1)
    stats = demos.stats()
    assert stats["negative"] == stats["positive"] == len(tasks)  # 0.5 -> one negative per positive
    assert stats["negative_ratio"] == 0.5
    for demo in demos.demos:
        assert demo.success
        assert demo.steps[-1].action_text.startswith("answer ")
        if not demo.negative:
            assert [s.action_text for s in demo.steps] == oracle_of(next(t for t in tasks if t.id == demo.task_id))
            continue
        wrong = demo.steps[demo.perturbed_at]
        assert wrong.action_text == demo.wrong_action and not wrong.imitate
        recovery = demo.steps[demo.perturbed_at + 1]
        assert recovery.kind == "wrong_choice" and recovery.imitate and "wrong turn" in recovery.reflection
        if demo.wrong_action.startswith("cd "):
            assert recovery.action_text == "cd .."
        assert len(demo.steps) > len(oracle_of(next(t for t in tasks if t.id == demo.task_id)))
    # the wrong move is kept for the reflector but never imitated by the policy
    assert stats["policy_examples"] == stats["reflector_examples"] - stats["negative"]


def test_mix_ratio_is_configurable(small_repo, tasks) -> None:
    env = make_env(small_repo, tasks)
    none = build_demos(env, tasks, DemoConfig(negative_ratio=0.0), seed=0).stats()
    assert none["negative"] == 0 and none["positive"] == len(tasks)
    only = build_demos(env, tasks, DemoConfig(negative_ratio=1.0), seed=0).stats()
    assert only["positive"] == 0 and only["negative"] == len(tasks)


def test_unreachable_tasks_are_reported(small_repo, tasks) -> None:
    env = make_env(small_repo, tasks)
    gone = tasks[0].__class__("gone", "where is nothing?", ["nope/missing.py"])
    demos = build_demos(env, [tasks[2], gone], DemoConfig(negative_ratio=0.0), seed=0)
    assert "gone" in demos.skipped and len(demos.demos) == 1
    with pytest.raises(DemoError, match="replay"):
        build_demos(env, [gone], DemoConfig(), seed=0)


def test_chat_teacher_used_unless_it_leaks(small_repo, tasks) -> None:
    env = make_env(small_repo, tasks)
    obs, _ = env.reset(seed=0, options={"task": tasks[0]})
    chat = FakeListChatModel(responses=["The answer is in retry.py, go there.", "Follow the strongest scent: B."])
    teacher = ChatTeacher(chat)
    leaked = teacher.analyze(env, obs, "cd pkg/")
    assert "retry.py" not in leaked and leaked == RuleTeacher().analyze(env, obs, "cd pkg/")
    assert teacher.analyze(env, obs, "cd pkg/") == "Follow the strongest scent: B."
    assert teacher.fallbacks == 1 and teacher.calls == 2


def test_question_terms_and_leak_check() -> None:
    assert question_terms("Where is the retry back-off computed?") == ["retry", "back", "off", "computed"]
    assert leaks_target("read net/retry.py next", ["pkg/net/retry.py"], "where is the delay?")
    assert not leaks_target("C, retry.py, matches 'retry'", ["pkg/net/retry.py"], "where are retries done?")
    assert leaks_target("go to pkg/net/retry.py", ["pkg/net/retry.py"], "where are retries done?")


def test_candidates_shorten_demonstrations_to_read_and_answer(small_repo, tasks) -> None:
    env = make_env(small_repo, tasks, candidates=3)
    demos = build_demos(env, tasks, DemoConfig(negative_ratio=0.5), seed=1)
    by_id = {t.id: t for t in tasks}
    positives = [d for d in demos.demos if not d.negative]
    assert positives and all(d.success for d in demos.demos)
    for demo in positives:  # every target here is among BM25's top 3: read it from the root, answer
        target = by_id[demo.task_id].targets[0]
        assert [s.action_text for s in demo.steps] == [f"read {target}", f"answer {target}"]
    negatives = [d for d in demos.demos if d.negative]
    assert negatives
    for demo in negatives:  # a wrong read (or cd) first, then the recovery reaches the target
        assert not demo.steps[0].imitate and demo.steps[1].kind == "wrong_choice"
        assert demo.steps[-1].action_text == f"answer {by_id[demo.task_id].targets[0]}"


def test_source_share_reserves_part_of_the_demo_pool() -> None:
    from explore.agent.task import Task
    from explore.training.demos import sample_tasks

    pool = [Task(f"c{i}", "q", ["a.py"], source="code") for i in range(90)]
    pool += [Task(f"k{i}", "q", ["setup.cfg"], source="config") for i in range(10)]
    plain = sample_tasks(pool, 40, {}, random.Random(1))
    assert [t.id for t in plain] == [t.id for t in random.Random(1).sample(pool, 40)]  # the old draw, unchanged
    shared = sample_tasks(pool, 40, {"config": 0.2}, random.Random(1))
    assert len(shared) == 40 and len({t.id for t in shared}) == 40
    assert 8 <= sum(t.source == "config" for t in shared) <= 10  # at least its share; the rest may add some
    # fewer tasks of the source than its share: all of them, the rest filled from the others
    greedy = sample_tasks(pool, 40, {"config": 0.5}, random.Random(1))
    assert sum(t.source == "config" for t in greedy) == 10 and len(greedy) == 40
    halves = sample_tasks(pool[85:], 3, {"code": 0.5, "config": 0.5}, random.Random(1))  # 2 + 2 rounded, 3 wanted
    assert len(halves) == 3
    with pytest.raises(ValueError, match="over 1"):
        sample_tasks(pool, 40, {"config": 0.6, "code": 0.6}, random.Random(1))
    with pytest.raises(ValueError, match="within 0..1"):
        sample_tasks(pool, 40, {"config": -0.1}, random.Random(1))


def test_source_share_round_trips_and_keeps_old_runs_resumable() -> None:
    from explore.training.config import TrainConfig, comparable

    config = TrainConfig(demos=DemoConfig(source_share={"config": 0.25}))
    assert TrainConfig.from_dict(config.to_dict()).demos.source_share == {"config": 0.25}
    assert comparable(config)["demos"]["source_share"] == {"config": 0.25}
    assert "source_share" not in comparable(TrainConfig())["demos"]  # as recorded before the option existed
