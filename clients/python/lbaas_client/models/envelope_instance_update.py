from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.algorithm import Algorithm
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.envelope_backend_update import EnvelopeBackendUpdate


T = TypeVar("T", bound="EnvelopeInstanceUpdate")


@_attrs_define
class EnvelopeInstanceUpdate:
    """`update instance`: what is given changes, the rest stays.

    Attributes:
        name (str):
        project (str):
        algorithm (Algorithm | None | Unset):
        backend (EnvelopeBackendUpdate | None | Unset):
        description (None | str | Unset):
    """

    name: str
    project: str
    algorithm: Algorithm | None | Unset = UNSET
    backend: EnvelopeBackendUpdate | None | Unset = UNSET
    description: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.envelope_backend_update import EnvelopeBackendUpdate  # noqa: PLC0415

        name = self.name

        project = self.project

        algorithm: None | str | Unset
        if isinstance(self.algorithm, Unset):
            algorithm = UNSET
        elif isinstance(self.algorithm, Algorithm):
            algorithm = self.algorithm.value
        else:
            algorithm = self.algorithm

        backend: dict[str, Any] | None | Unset
        if isinstance(self.backend, Unset):
            backend = UNSET
        elif isinstance(self.backend, EnvelopeBackendUpdate):
            backend = self.backend.to_dict()
        else:
            backend = self.backend

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "project": project,
            }
        )
        if algorithm is not UNSET:
            field_dict["algorithm"] = algorithm
        if backend is not UNSET:
            field_dict["backend"] = backend
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.envelope_backend_update import EnvelopeBackendUpdate  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        project = d.pop("project")

        def _parse_algorithm(data: object) -> Algorithm | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                algorithm_type_1 = Algorithm(data)

                return algorithm_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Algorithm | None | Unset, data)

        algorithm = _parse_algorithm(d.pop("algorithm", UNSET))

        def _parse_backend(data: object) -> EnvelopeBackendUpdate | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                backend_type_1 = EnvelopeBackendUpdate.from_dict(data)

                return backend_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EnvelopeBackendUpdate | None | Unset, data)

        backend = _parse_backend(d.pop("backend", UNSET))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        envelope_instance_update = cls(
            name=name,
            project=project,
            algorithm=algorithm,
            backend=backend,
            description=description,
        )

        return envelope_instance_update
