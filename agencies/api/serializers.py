"""Input and output serializers of users, agencies, members, service accounts and tokens."""

from rest_framework import serializers

from agencies.choices import DEFAULT_SCOPES, AgencyKind, Role, Scope
from agencies.models import Agency, Membership, ServiceAccount, User
from fusion.api.serializers import StrictInputSerializer


class TokenInputSerializer(StrictInputSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="A code from the authenticator app, or a recovery code, where one is needed.",
    )


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField()


class OtpCodeInputSerializer(StrictInputSerializer):
    code = serializers.CharField(max_length=32)


class OtpEnrolmentOutputSerializer(serializers.Serializer):
    otpauth_uri = serializers.CharField(help_text="Shown once: scan it into the app.")
    secret = serializers.CharField(help_text="Base32 secret, for typing in; shown once.")


class RecoveryCodesOutputSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(), help_text="Shown once; each works once."
    )


class UserInputSerializer(StrictInputSerializer):
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$", max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    email = serializers.EmailField(required=False, allow_blank=True)


class UserUpdateSerializer(StrictInputSerializer):
    is_active = serializers.BooleanField()


class UserOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ("id", "username", "email", "is_active", "is_superuser")


class AgencyInputSerializer(StrictInputSerializer):
    code = serializers.SlugField(max_length=32)
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=AgencyKind.choices)


class AgencyOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ("code", "name", "kind")


class MemberInputSerializer(StrictInputSerializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)


class MemberOutputSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")

    class Meta:
        model = Membership
        fields = ("id", "username", "role")


class ServiceAccountInputSerializer(StrictInputSerializer):
    name = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=Scope.choices),
        required=False,
        allow_empty=False,
        min_length=1,
        max_length=len(Scope.choices),
        help_text=f"Least privilege: {', '.join(DEFAULT_SCOPES)} when left out.",
    )


class ServiceAccountOutputSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    active = serializers.BooleanField(source="user.is_active")

    class Meta:
        model = ServiceAccount
        fields = ("id", "name", "username", "active", "scopes", "created_at")


class ServiceAccountCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    token = serializers.CharField(help_text="Shown once; only its hash is stored.")


class ServiceTokenOutputSerializer(serializers.Serializer):
    """A service account's token without its secret: the prefix names it."""

    prefix = serializers.CharField(source="token_key")
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)
    last_used = serializers.DateTimeField(allow_null=True)


class ServiceTokenCreatedSerializer(serializers.Serializer):
    prefix = serializers.CharField()
    expiry = serializers.DateTimeField()
    token = serializers.CharField(help_text="Shown once; only its hash is stored.")
