"""The errors azlab raises, in one tree.

AzlabError                  anything azlab reports to a user; never shown as a traceback
 +-- UsageError             a bad flag, argument or environment variable (exit 2)
 +-- PlanError              a plan file that cannot be used; carries findings (exit 2)
 +-- CredentialError        no usable Azure credential or subscription (exit 1)
 +-- NetworkError           Azure sent no answer: refused, reset or timed out (exit 1)
 +-- AzureOperationError    Azure answered an operation with an error (exit 1)
 +-- SandboxError           the local sandbox could not start or be reached (exit 1)
 +-- CycleError             tasks of a graph need each other (exit 1)
 +-- CopyFailedError        the storage service failed or aborted a copy (exit 1)
 +-- SourceChangedError     a copy's source blob changed while it was copied (exit 1)
 +-- VerifyError            a copy's destination does not hold what its source holds (exit 1)
 +-- BusyError              another azlab run holds a group's lease past the wait (exit 1)

Every error carries a message that says what went wrong and where, and an
optional hint that says what to do about it.
"""

from __future__ import annotations


class AzlabError(Exception):
    """Base of every error azlab reports to a user."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class UsageError(AzlabError):
    """A bad command-line flag, argument or environment variable."""

    exit_code = 2


class PlanError(AzlabError):
    """A plan file that cannot be used."""

    exit_code = 2


class CredentialError(AzlabError):
    """No usable Azure credential or subscription."""


class NetworkError(AzlabError):
    """Azure sent no answer: the connection was refused, reset or timed out."""


class AzureOperationError(AzlabError):
    """Azure answered an operation with an error (`code` is Azure's, e.g. `AllocationFailed`)."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        resource: str | None = None,
        status: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.code = code
        self.resource = resource
        self.status = status


class SandboxError(AzlabError):
    """The local sandbox could not start or be reached."""


class CycleError(AzlabError):
    """Tasks of a graph need each other, so none of them can start."""


class CopyFailedError(AzlabError):
    """The service reported the copy failed or aborted."""


class SourceChangedError(AzlabError):
    """The source blob changed while it was being copied."""


class VerifyError(AzlabError):
    """The destination does not hold what the source holds."""


class BusyError(AzlabError):
    """Another azlab run held a group's lease for longer than this one would wait."""
