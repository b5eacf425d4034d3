"""Django REST framework, JWT and the OpenAPI schema."""

from datetime import timedelta

from .env import env_int, env_str

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["backend.auth.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        # A view's `requires = {"POST": predicate}`: checked before the body is validated.
        "backend.permissions.DeclaredPermission",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "backend.negotiation.ContentNegotiation",
    # API.md: JSON in; an upload view names MultiPartParser itself.
    "DEFAULT_PARSER_CLASSES": ["backend.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "backend.pagination.CursorPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "backend.schema.AutoSchema",
    "EXCEPTION_HANDLER": "backend.errors.exception_handler",
    # Throttle counters live in the default cache: Redis when deployed, shared by all workers.
    "DEFAULT_THROTTLE_CLASSES": ["backend.throttling.AnonThrottle", "backend.throttling.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON", "120/min"),
        "user": env_str("THROTTLE_USER", "600/min"),
        "login": env_str("THROTTLE_LOGIN", "30/min"),
        # One ballot is all a voter needs; repeats are refused by a constraint anyway.
        "ballot": env_str("THROTTLE_BALLOT", "30/min"),
    },
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
    # Proxies in front of the servers that append to X-Forwarded-For (the nginx of README's
    # production section is one). 0: the address is the socket's peer, so a client cannot
    # pick a new throttle identity per request by sending its own X-Forwarded-For.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 14)),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "原点在线 API",
    "DESCRIPTION": "Yuandian Online: residents' participation in grid-based community governance.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "backend.schema.fix_blank_defaults",
        "backend.schema.expand_format_suffixes",
        "backend.schema.check_operation_ids",
    ],
    # Choice sets whose field names recur across apps get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "AppealCategoryEnum": "appeals.models.Category",
        "ProviderKindEnum": "resources.models.ProviderKind",
        "VolunteerKindEnum": "resources.models.VolunteerKind",
        "AppealSourceEnum": "appeals.models.Source",
        "AppealStatusEnum": "appeals.models.AppealStatus",
        "GridRoleEnum": "grids.models.Role",
        "MediationCategoryEnum": "mediation.models.Category",
        "MediationSourceEnum": "mediation.models.Source",
        "CaseStatusEnum": "mediation.models.CaseStatus",
        "ConsultationStatusEnum": "consultations.models.ConsultationStatus",
        "ConsultationKindEnum": "consultations.models.ConsultationKind",
        "PostStatusEnum": "consultations.models.PostStatus",
        "TeamMemberRoleEnum": "mediation.models.MemberRole",
        "TeamKindEnum": "mediation.models.TeamKind",
        "PartyRoleEnum": "mediation.models.Party.Role",
        "RoundStatusEnum": "monthly.models.RoundStatus",
        "DeliveryStatusEnum": "notifications.models.DeliveryStatus",
        "ResidenceStatusEnum": "residents.models.ResidenceStatus",
    },
}

# Request bodies: JSON stays small; an upload is one image of at most UPLOAD_MAX_BYTES.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# A photo URL handed to someone who may see it works this long (backend/files.py).
MEDIA_URL_MAX_AGE = env_int("MEDIA_URL_MAX_AGE", 600)
# Decoded size of an uploaded image: a phone photo is 12-24 MP; 40 MP is ~160 MB decoded, the
# most one upload may make a worker hold. Pillow's own bomb limit is set to the same (apps.py).
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 40_000_000)

# Password login lock-out: this many failures within the window lock the account that long.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
