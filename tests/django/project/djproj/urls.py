from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.urls import path


def whoami(request):
    user = request.user
    authenticated = bool(user.is_authenticated)
    return JsonResponse(
        {
            "id": user.pk if authenticated else None,
            "username": user.get_username() if authenticated else None,
            "authenticated": authenticated,
            "perms": sorted(user.get_all_permissions()),
            "groups": sorted(user.groups.values_list("name", flat=True)) if authenticated else [],
            "is_staff": bool(user.is_staff),
            "is_superuser": bool(user.is_superuser),
        }
    )


urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("whoami/", whoami, name="whoami"),
]
