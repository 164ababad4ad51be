"""The RealWorld error envelope, as the gateway answers it: {"errors": {field: [message]}}."""

from aiohttp import web


class GatewayError(Exception):
    """An error the gateway answers itself; the error middleware turns it into JSON."""

    def __init__(self, status: int, field: str, message: str, headers: dict | None = None):
        super().__init__(status, field, message)
        self.status = status
        self.field = field
        self.message = message
        self.headers = headers or {}


def json_error(status: int, field: str, message: str, headers: dict | None = None) -> web.Response:
    return web.json_response({"errors": {field: [message]}}, status=status, headers=headers)
