from enum import StrEnum


class TypeCertificate(StrEnum):
    CERTIFICATE = "certificate"

    def __str__(self) -> str:
        return str(self.value)
