from enum import StrEnum


class L7Action(StrEnum):
    REDIRECT_PREFIX = "REDIRECT_PREFIX"
    REDIRECT_TO_POOL = "REDIRECT_TO_POOL"
    REDIRECT_TO_URL = "REDIRECT_TO_URL"
    REJECT = "REJECT"

    def __str__(self) -> str:
        return str(self.value)
