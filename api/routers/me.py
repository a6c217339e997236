"""/v1/me and /v1/settings: who is asking (the key's name and role, so a client shows only
what the key may do) and the settings the numbers it reads are computed with."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import ServicesDep, Viewer
from api.schemas.responses import MeOut, MomentumSettingsOut, SettingsOut
from domain.momentum import TREND_STEP

router = APIRouter(tags=["me"])


@router.get("/me", summary="The name and role of the API key asking")
def get_me(key: Viewer) -> MeOut:
    return MeOut(name=key.name, role=key.role)


@router.get("/settings", summary="The settings momentum and stalls are computed with")
def get_settings(_key: Viewer, services: ServicesDep) -> SettingsOut:
    policy = services.policy
    return SettingsOut(
        momentum=MomentumSettingsOut(
            half_life_days=policy.half_life_days,
            trend_window_days=policy.trend_window_days,
            stall_threshold_days=policy.stall_threshold_days,
            trend_step=TREND_STEP,
        )
    )
