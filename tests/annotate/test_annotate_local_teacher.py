from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from uniner.annotate import SamplingParams, Teacher, TeacherResponse
from uniner.annotate.local_teacher import TransformersTeacher
from uniner.errors import ModelLoadError
from uniner.prompts import teacher_messages

pytestmark = pytest.mark.slow


def test_local_teacher_generates_greedily_with_usage(tiny_model_dir: Path) -> None:
    teacher = TransformersTeacher(tiny_model_dir, device="cpu")
    assert isinstance(teacher, Teacher)
    messages = teacher_messages("Ada Lovelace was born in London.")

    async def twice() -> tuple[TeacherResponse, TeacherResponse]:
        params = SamplingParams(max_tokens=8)
        return await teacher.complete(messages, params), await teacher.complete(messages, params)

    first, second = asyncio.run(twice())
    assert first.text == second.text  # greedy: the same answer twice
    assert first.completion_tokens == 8
    assert first.finish_reason == "length"
    # the prompt is the chat template around the paper's instruction
    assert first.prompt_tokens > 60


def test_local_teacher_bad_path_is_a_model_load_error(tmp_path: Path) -> None:
    teacher = TransformersTeacher(tmp_path / "missing")
    with pytest.raises(ModelLoadError, match="could not load teacher model"):
        asyncio.run(teacher.complete([{"role": "user", "content": "x"}], SamplingParams()))
