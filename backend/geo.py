"""Points on the map: the location a phone sends, and the distance between two points.

Own haversine rather than GeoDjango: the project stores plain decimal degrees (no PostGIS, and
the embedded default runs on SQLite); a geofence of a few hundred metres needs nothing more.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from rest_framework import serializers

EARTH_RADIUS_M = 6_371_008.8


class LocationSerializer(serializers.Serializer):
    """wx.getLocation's degrees (GCJ-02), kept to six decimals (about 0.1 m); a phone sends more."""

    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)

    def validate(self, attrs: dict[str, float]) -> dict[str, Decimal]:
        return {key: Decimal(f"{value:.6f}") for key, value in attrs.items()}


def distance_m(lat1: Any, lng1: Any, lat2: Any, lng2: Any) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))
