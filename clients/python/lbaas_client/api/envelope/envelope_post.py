from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.certificate_create_reply import CertificateCreateReply
from ...models.certificate_create_request import CertificateCreateRequest
from ...models.certificate_delete_reply import CertificateDeleteReply
from ...models.certificate_delete_request import CertificateDeleteRequest
from ...models.certificate_info_reply import CertificateInfoReply
from ...models.certificate_info_request import CertificateInfoRequest
from ...models.certificate_update_reply import CertificateUpdateReply
from ...models.certificate_update_request import CertificateUpdateRequest
from ...models.envelope_fail import EnvelopeFail
from ...models.instance_create_reply import InstanceCreateReply
from ...models.instance_create_request import InstanceCreateRequest
from ...models.instance_delete_reply import InstanceDeleteReply
from ...models.instance_delete_request import InstanceDeleteRequest
from ...models.instance_info_reply import InstanceInfoReply
from ...models.instance_info_request import InstanceInfoRequest
from ...models.instance_update_reply import InstanceUpdateReply
from ...models.instance_update_request import InstanceUpdateRequest
from ...models.project_create_reply import ProjectCreateReply
from ...models.project_create_request import ProjectCreateRequest
from ...models.project_delete_reply import ProjectDeleteReply
from ...models.project_delete_request import ProjectDeleteRequest
from ...models.project_info_reply import ProjectInfoReply
from ...models.project_info_request import ProjectInfoRequest
from ...models.project_update_reply import ProjectUpdateReply
from ...models.project_update_request import ProjectUpdateRequest
from ...types import Response


def _get_kwargs(
    *,
    body: CertificateCreateRequest
    | CertificateDeleteRequest
    | CertificateInfoRequest
    | CertificateUpdateRequest
    | InstanceCreateRequest
    | InstanceDeleteRequest
    | InstanceInfoRequest
    | InstanceUpdateRequest
    | ProjectCreateRequest
    | ProjectDeleteRequest
    | ProjectInfoRequest
    | ProjectUpdateRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/requests",
    }

    if isinstance(body, ProjectCreateRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, ProjectInfoRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, ProjectUpdateRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, ProjectDeleteRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, InstanceCreateRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, InstanceInfoRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, InstanceUpdateRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, InstanceDeleteRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, CertificateCreateRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, CertificateInfoRequest):
        _kwargs["json"] = body.to_dict()
    elif isinstance(body, CertificateUpdateRequest):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> (
    CertificateCreateReply
    | CertificateDeleteReply
    | CertificateInfoReply
    | CertificateUpdateReply
    | EnvelopeFail
    | InstanceCreateReply
    | InstanceDeleteReply
    | InstanceInfoReply
    | InstanceUpdateReply
    | ProjectCreateReply
    | ProjectDeleteReply
    | ProjectInfoReply
    | ProjectUpdateReply
    | None
):
    if response.status_code == 200:

        def _parse_response_200(
            data: object,
        ) -> (
            CertificateCreateReply
            | CertificateDeleteReply
            | CertificateInfoReply
            | CertificateUpdateReply
            | EnvelopeFail
            | InstanceCreateReply
            | InstanceDeleteReply
            | InstanceInfoReply
            | InstanceUpdateReply
            | ProjectCreateReply
            | ProjectDeleteReply
            | ProjectInfoReply
            | ProjectUpdateReply
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_0 = ProjectCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_1 = ProjectInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_2 = ProjectUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_3 = ProjectDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_4 = InstanceCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_5 = InstanceInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_6 = InstanceUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_7 = InstanceDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_7
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_8 = CertificateCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_8
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_9 = CertificateInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_9
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_10 = CertificateUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_10
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_11 = CertificateDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_11
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_envelope_response_type_12 = EnvelopeFail.from_dict(data)

            return componentsschemas_envelope_response_type_12

        response_200 = _parse_response_200(response.json())

        return response_200

    if response.status_code == 201:

        def _parse_response_201(
            data: object,
        ) -> (
            CertificateCreateReply
            | CertificateDeleteReply
            | CertificateInfoReply
            | CertificateUpdateReply
            | EnvelopeFail
            | InstanceCreateReply
            | InstanceDeleteReply
            | InstanceInfoReply
            | InstanceUpdateReply
            | ProjectCreateReply
            | ProjectDeleteReply
            | ProjectInfoReply
            | ProjectUpdateReply
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_0 = ProjectCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_1 = ProjectInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_2 = ProjectUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_3 = ProjectDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_4 = InstanceCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_5 = InstanceInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_6 = InstanceUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_7 = InstanceDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_7
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_8 = CertificateCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_8
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_9 = CertificateInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_9
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_10 = CertificateUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_10
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_11 = CertificateDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_11
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_envelope_response_type_12 = EnvelopeFail.from_dict(data)

            return componentsschemas_envelope_response_type_12

        response_201 = _parse_response_201(response.json())

        return response_201

    if response.status_code == 202:

        def _parse_response_202(
            data: object,
        ) -> (
            CertificateCreateReply
            | CertificateDeleteReply
            | CertificateInfoReply
            | CertificateUpdateReply
            | EnvelopeFail
            | InstanceCreateReply
            | InstanceDeleteReply
            | InstanceInfoReply
            | InstanceUpdateReply
            | ProjectCreateReply
            | ProjectDeleteReply
            | ProjectInfoReply
            | ProjectUpdateReply
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_0 = ProjectCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_1 = ProjectInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_2 = ProjectUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_3 = ProjectDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_4 = InstanceCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_5 = InstanceInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_6 = InstanceUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_7 = InstanceDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_7
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_8 = CertificateCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_8
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_9 = CertificateInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_9
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_10 = CertificateUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_10
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_11 = CertificateDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_11
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_envelope_response_type_12 = EnvelopeFail.from_dict(data)

            return componentsschemas_envelope_response_type_12

        response_202 = _parse_response_202(response.json())

        return response_202

    if response.status_code == 400:

        def _parse_response_400(
            data: object,
        ) -> (
            CertificateCreateReply
            | CertificateDeleteReply
            | CertificateInfoReply
            | CertificateUpdateReply
            | EnvelopeFail
            | InstanceCreateReply
            | InstanceDeleteReply
            | InstanceInfoReply
            | InstanceUpdateReply
            | ProjectCreateReply
            | ProjectDeleteReply
            | ProjectInfoReply
            | ProjectUpdateReply
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_0 = ProjectCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_1 = ProjectInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_2 = ProjectUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_3 = ProjectDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_4 = InstanceCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_5 = InstanceInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_6 = InstanceUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_7 = InstanceDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_7
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_8 = CertificateCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_8
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_9 = CertificateInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_9
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_10 = CertificateUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_10
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_11 = CertificateDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_11
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_envelope_response_type_12 = EnvelopeFail.from_dict(data)

            return componentsschemas_envelope_response_type_12

        response_400 = _parse_response_400(response.json())

        return response_400

    if response.status_code == 401:

        def _parse_response_401(
            data: object,
        ) -> (
            CertificateCreateReply
            | CertificateDeleteReply
            | CertificateInfoReply
            | CertificateUpdateReply
            | EnvelopeFail
            | InstanceCreateReply
            | InstanceDeleteReply
            | InstanceInfoReply
            | InstanceUpdateReply
            | ProjectCreateReply
            | ProjectDeleteReply
            | ProjectInfoReply
            | ProjectUpdateReply
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_0 = ProjectCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_1 = ProjectInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_2 = ProjectUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_3 = ProjectDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_4 = InstanceCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_5 = InstanceInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_6 = InstanceUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_7 = InstanceDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_7
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_8 = CertificateCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_8
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_9 = CertificateInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_9
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_10 = CertificateUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_10
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_11 = CertificateDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_11
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_envelope_response_type_12 = EnvelopeFail.from_dict(data)

            return componentsschemas_envelope_response_type_12

        response_401 = _parse_response_401(response.json())

        return response_401

    if response.status_code == 403:

        def _parse_response_403(
            data: object,
        ) -> (
            CertificateCreateReply
            | CertificateDeleteReply
            | CertificateInfoReply
            | CertificateUpdateReply
            | EnvelopeFail
            | InstanceCreateReply
            | InstanceDeleteReply
            | InstanceInfoReply
            | InstanceUpdateReply
            | ProjectCreateReply
            | ProjectDeleteReply
            | ProjectInfoReply
            | ProjectUpdateReply
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_0 = ProjectCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_1 = ProjectInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_2 = ProjectUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_3 = ProjectDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_4 = InstanceCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_5 = InstanceInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_6 = InstanceUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_7 = InstanceDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_7
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_8 = CertificateCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_8
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_9 = CertificateInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_9
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_10 = CertificateUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_10
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_11 = CertificateDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_11
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_envelope_response_type_12 = EnvelopeFail.from_dict(data)

            return componentsschemas_envelope_response_type_12

        response_403 = _parse_response_403(response.json())

        return response_403

    if response.status_code == 404:

        def _parse_response_404(
            data: object,
        ) -> (
            CertificateCreateReply
            | CertificateDeleteReply
            | CertificateInfoReply
            | CertificateUpdateReply
            | EnvelopeFail
            | InstanceCreateReply
            | InstanceDeleteReply
            | InstanceInfoReply
            | InstanceUpdateReply
            | ProjectCreateReply
            | ProjectDeleteReply
            | ProjectInfoReply
            | ProjectUpdateReply
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_0 = ProjectCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_1 = ProjectInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_2 = ProjectUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_3 = ProjectDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_4 = InstanceCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_5 = InstanceInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_6 = InstanceUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_7 = InstanceDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_7
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_8 = CertificateCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_8
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_9 = CertificateInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_9
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_10 = CertificateUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_10
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_11 = CertificateDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_11
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_envelope_response_type_12 = EnvelopeFail.from_dict(data)

            return componentsschemas_envelope_response_type_12

        response_404 = _parse_response_404(response.json())

        return response_404

    if response.status_code == 409:

        def _parse_response_409(
            data: object,
        ) -> (
            CertificateCreateReply
            | CertificateDeleteReply
            | CertificateInfoReply
            | CertificateUpdateReply
            | EnvelopeFail
            | InstanceCreateReply
            | InstanceDeleteReply
            | InstanceInfoReply
            | InstanceUpdateReply
            | ProjectCreateReply
            | ProjectDeleteReply
            | ProjectInfoReply
            | ProjectUpdateReply
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_0 = ProjectCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_1 = ProjectInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_2 = ProjectUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_3 = ProjectDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_4 = InstanceCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_5 = InstanceInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_6 = InstanceUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_7 = InstanceDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_7
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_8 = CertificateCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_8
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_9 = CertificateInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_9
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_10 = CertificateUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_10
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_11 = CertificateDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_11
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_envelope_response_type_12 = EnvelopeFail.from_dict(data)

            return componentsschemas_envelope_response_type_12

        response_409 = _parse_response_409(response.json())

        return response_409

    if response.status_code == 413:

        def _parse_response_413(
            data: object,
        ) -> (
            CertificateCreateReply
            | CertificateDeleteReply
            | CertificateInfoReply
            | CertificateUpdateReply
            | EnvelopeFail
            | InstanceCreateReply
            | InstanceDeleteReply
            | InstanceInfoReply
            | InstanceUpdateReply
            | ProjectCreateReply
            | ProjectDeleteReply
            | ProjectInfoReply
            | ProjectUpdateReply
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_0 = ProjectCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_1 = ProjectInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_2 = ProjectUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_3 = ProjectDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_4 = InstanceCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_5 = InstanceInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_6 = InstanceUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_7 = InstanceDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_7
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_8 = CertificateCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_8
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_9 = CertificateInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_9
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_10 = CertificateUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_10
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_11 = CertificateDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_11
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_envelope_response_type_12 = EnvelopeFail.from_dict(data)

            return componentsschemas_envelope_response_type_12

        response_413 = _parse_response_413(response.json())

        return response_413

    if response.status_code == 500:

        def _parse_response_500(
            data: object,
        ) -> (
            CertificateCreateReply
            | CertificateDeleteReply
            | CertificateInfoReply
            | CertificateUpdateReply
            | EnvelopeFail
            | InstanceCreateReply
            | InstanceDeleteReply
            | InstanceInfoReply
            | InstanceUpdateReply
            | ProjectCreateReply
            | ProjectDeleteReply
            | ProjectInfoReply
            | ProjectUpdateReply
        ):
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_0 = ProjectCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_1 = ProjectInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_2 = ProjectUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_3 = ProjectDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_3
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_4 = InstanceCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_4
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_5 = InstanceInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_5
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_6 = InstanceUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_6
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_7 = InstanceDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_7
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_8 = CertificateCreateReply.from_dict(data)

                return componentsschemas_envelope_response_type_8
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_9 = CertificateInfoReply.from_dict(data)

                return componentsschemas_envelope_response_type_9
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_10 = CertificateUpdateReply.from_dict(data)

                return componentsschemas_envelope_response_type_10
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_envelope_response_type_11 = CertificateDeleteReply.from_dict(data)

                return componentsschemas_envelope_response_type_11
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_envelope_response_type_12 = EnvelopeFail.from_dict(data)

            return componentsschemas_envelope_response_type_12

        response_500 = _parse_response_500(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[
    CertificateCreateReply
    | CertificateDeleteReply
    | CertificateInfoReply
    | CertificateUpdateReply
    | EnvelopeFail
    | InstanceCreateReply
    | InstanceDeleteReply
    | InstanceInfoReply
    | InstanceUpdateReply
    | ProjectCreateReply
    | ProjectDeleteReply
    | ProjectInfoReply
    | ProjectUpdateReply
]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: CertificateCreateRequest
    | CertificateDeleteRequest
    | CertificateInfoRequest
    | CertificateUpdateRequest
    | InstanceCreateRequest
    | InstanceDeleteRequest
    | InstanceInfoRequest
    | InstanceUpdateRequest
    | ProjectCreateRequest
    | ProjectDeleteRequest
    | ProjectInfoRequest
    | ProjectUpdateRequest,
) -> Response[
    CertificateCreateReply
    | CertificateDeleteReply
    | CertificateInfoReply
    | CertificateUpdateReply
    | EnvelopeFail
    | InstanceCreateReply
    | InstanceDeleteReply
    | InstanceInfoReply
    | InstanceUpdateReply
    | ProjectCreateReply
    | ProjectDeleteReply
    | ProjectInfoReply
    | ProjectUpdateReply
]:
    """The action/type JSON envelope: create, info, update or delete a project or instance

    Args:
        body (CertificateCreateRequest | CertificateDeleteRequest | CertificateInfoRequest |
            CertificateUpdateRequest | InstanceCreateRequest | InstanceDeleteRequest |
            InstanceInfoRequest | InstanceUpdateRequest | ProjectCreateRequest | ProjectDeleteRequest
            | ProjectInfoRequest | ProjectUpdateRequest): The action/type JSON envelope: `{"action":
            "create|info|update|delete", "type":
            "project|instance|certificate", "info": {...}}`, `info` shaped by the pair.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CertificateCreateReply | CertificateDeleteReply | CertificateInfoReply | CertificateUpdateReply | EnvelopeFail | InstanceCreateReply | InstanceDeleteReply | InstanceInfoReply | InstanceUpdateReply | ProjectCreateReply | ProjectDeleteReply | ProjectInfoReply | ProjectUpdateReply]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: CertificateCreateRequest
    | CertificateDeleteRequest
    | CertificateInfoRequest
    | CertificateUpdateRequest
    | InstanceCreateRequest
    | InstanceDeleteRequest
    | InstanceInfoRequest
    | InstanceUpdateRequest
    | ProjectCreateRequest
    | ProjectDeleteRequest
    | ProjectInfoRequest
    | ProjectUpdateRequest,
) -> (
    CertificateCreateReply
    | CertificateDeleteReply
    | CertificateInfoReply
    | CertificateUpdateReply
    | EnvelopeFail
    | InstanceCreateReply
    | InstanceDeleteReply
    | InstanceInfoReply
    | InstanceUpdateReply
    | ProjectCreateReply
    | ProjectDeleteReply
    | ProjectInfoReply
    | ProjectUpdateReply
    | None
):
    """The action/type JSON envelope: create, info, update or delete a project or instance

    Args:
        body (CertificateCreateRequest | CertificateDeleteRequest | CertificateInfoRequest |
            CertificateUpdateRequest | InstanceCreateRequest | InstanceDeleteRequest |
            InstanceInfoRequest | InstanceUpdateRequest | ProjectCreateRequest | ProjectDeleteRequest
            | ProjectInfoRequest | ProjectUpdateRequest): The action/type JSON envelope: `{"action":
            "create|info|update|delete", "type":
            "project|instance|certificate", "info": {...}}`, `info` shaped by the pair.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CertificateCreateReply | CertificateDeleteReply | CertificateInfoReply | CertificateUpdateReply | EnvelopeFail | InstanceCreateReply | InstanceDeleteReply | InstanceInfoReply | InstanceUpdateReply | ProjectCreateReply | ProjectDeleteReply | ProjectInfoReply | ProjectUpdateReply
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CertificateCreateRequest
    | CertificateDeleteRequest
    | CertificateInfoRequest
    | CertificateUpdateRequest
    | InstanceCreateRequest
    | InstanceDeleteRequest
    | InstanceInfoRequest
    | InstanceUpdateRequest
    | ProjectCreateRequest
    | ProjectDeleteRequest
    | ProjectInfoRequest
    | ProjectUpdateRequest,
) -> Response[
    CertificateCreateReply
    | CertificateDeleteReply
    | CertificateInfoReply
    | CertificateUpdateReply
    | EnvelopeFail
    | InstanceCreateReply
    | InstanceDeleteReply
    | InstanceInfoReply
    | InstanceUpdateReply
    | ProjectCreateReply
    | ProjectDeleteReply
    | ProjectInfoReply
    | ProjectUpdateReply
]:
    """The action/type JSON envelope: create, info, update or delete a project or instance

    Args:
        body (CertificateCreateRequest | CertificateDeleteRequest | CertificateInfoRequest |
            CertificateUpdateRequest | InstanceCreateRequest | InstanceDeleteRequest |
            InstanceInfoRequest | InstanceUpdateRequest | ProjectCreateRequest | ProjectDeleteRequest
            | ProjectInfoRequest | ProjectUpdateRequest): The action/type JSON envelope: `{"action":
            "create|info|update|delete", "type":
            "project|instance|certificate", "info": {...}}`, `info` shaped by the pair.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CertificateCreateReply | CertificateDeleteReply | CertificateInfoReply | CertificateUpdateReply | EnvelopeFail | InstanceCreateReply | InstanceDeleteReply | InstanceInfoReply | InstanceUpdateReply | ProjectCreateReply | ProjectDeleteReply | ProjectInfoReply | ProjectUpdateReply]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CertificateCreateRequest
    | CertificateDeleteRequest
    | CertificateInfoRequest
    | CertificateUpdateRequest
    | InstanceCreateRequest
    | InstanceDeleteRequest
    | InstanceInfoRequest
    | InstanceUpdateRequest
    | ProjectCreateRequest
    | ProjectDeleteRequest
    | ProjectInfoRequest
    | ProjectUpdateRequest,
) -> (
    CertificateCreateReply
    | CertificateDeleteReply
    | CertificateInfoReply
    | CertificateUpdateReply
    | EnvelopeFail
    | InstanceCreateReply
    | InstanceDeleteReply
    | InstanceInfoReply
    | InstanceUpdateReply
    | ProjectCreateReply
    | ProjectDeleteReply
    | ProjectInfoReply
    | ProjectUpdateReply
    | None
):
    """The action/type JSON envelope: create, info, update or delete a project or instance

    Args:
        body (CertificateCreateRequest | CertificateDeleteRequest | CertificateInfoRequest |
            CertificateUpdateRequest | InstanceCreateRequest | InstanceDeleteRequest |
            InstanceInfoRequest | InstanceUpdateRequest | ProjectCreateRequest | ProjectDeleteRequest
            | ProjectInfoRequest | ProjectUpdateRequest): The action/type JSON envelope: `{"action":
            "create|info|update|delete", "type":
            "project|instance|certificate", "info": {...}}`, `info` shaped by the pair.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CertificateCreateReply | CertificateDeleteReply | CertificateInfoReply | CertificateUpdateReply | EnvelopeFail | InstanceCreateReply | InstanceDeleteReply | InstanceInfoReply | InstanceUpdateReply | ProjectCreateReply | ProjectDeleteReply | ProjectInfoReply | ProjectUpdateReply
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
