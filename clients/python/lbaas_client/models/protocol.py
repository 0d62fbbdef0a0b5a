from enum import StrEnum


class Protocol(StrEnum):
    HTTP = "HTTP"
    HTTPS = "HTTPS"
    TCP = "TCP"

    def __str__(self) -> str:
        return str(self.value)
