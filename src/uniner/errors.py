"""uniner's own exceptions.

    UninerError
    ├── DataFormatError      a file is not in the format it claims (names file, line, expectation)
    ├── DatasetNotFoundError a benchmark dataset is missing from the data root
    ├── TeacherError         the teacher endpoint failed for good (after retries)
    ├── CacheMismatchError   a cache or saved model was made with another prompt template
    ├── ModelLoadError       a model, GGUF file or adapter could not be loaded
    └── MissingDependencyError an optional extra is not installed (says the pip command)

    UninerWarning (UserWarning)  works, but likely not as the caller meant (e.g. descriptions
                                 given to a student that never learnt them)

Bad arguments raise plain ValueError / TypeError with the offending value shown.
"""

from __future__ import annotations

from pathlib import Path


class UninerError(Exception):
    """Base class of every error uniner raises on purpose."""


class UninerWarning(UserWarning):
    """A call that works but likely not as meant; the CLI prints it as ``uniner: warning: ...``."""


class DataFormatError(UninerError, ValueError):
    """A file does not hold what its format requires."""

    def __init__(self, path: str | Path, line: int | None, expected: str) -> None:
        self.path = str(path)
        self.line = line
        self.expected = expected
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {expected}")


class DatasetNotFoundError(UninerError, FileNotFoundError):
    """A dataset named by a benchmark is not under the data root."""


class TeacherError(UninerError):
    """The teacher could not answer, after every retry."""


class CacheMismatchError(UninerError):
    """A cache or model was built with a different prompt template than the one in use."""


class ModelLoadError(UninerError):
    """A model could not be loaded from the given name or path."""


class MissingDependencyError(UninerError, ImportError):
    """An optional dependency is missing; the message gives the install command."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(f"{package} is required for this feature: pip install 'uniner[{extra}]'")
