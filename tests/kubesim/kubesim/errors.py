"""API errors rendered as metav1.Status, the way kubectl expects them."""


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def status(self):
        s = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
             "message": self.message, "reason": self.reason, "code": self.code}
        if self.details:
            s["details"] = self.details
        return s


def not_found(r, name):
    kind = r.plural if not r.group else f"{r.plural}.{r.group}"
    return ApiError(404, "NotFound", f'{kind} "{name}" not found',
                    {"name": name, "group": r.group, "kind": r.plural})


def already_exists(r, name):
    kind = r.plural if not r.group else f"{r.plural}.{r.group}"
    return ApiError(409, "AlreadyExists", f'{kind} "{name}" already exists',
                    {"name": name, "group": r.group, "kind": r.plural})


def conflict(r, name):
    kind = r.plural if not r.group else f"{r.plural}.{r.group}"
    return ApiError(409, "Conflict",
                    f'Operation cannot be fulfilled on {kind} "{name}": the object has been '
                    "modified; please apply your changes to the latest version and try again",
                    {"name": name, "group": r.group, "kind": r.plural})


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def invalid(r, name, message):
    return ApiError(422, "Invalid", f'{r.kind} "{name}" is invalid: {message}',
                    {"name": name, "group": r.group, "kind": r.kind})
