from __future__ import annotations

from tests.integration.engine.fixtures import bridge, bridge_api, switch  # noqa: F401
from tests.support.fixtures import customer_app  # noqa: F401
