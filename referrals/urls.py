from django.urls import path

from . import views

urlpatterns = [
    path("cases/<str:reference>/refer/", views.referral_new_view, name="referral_new"),
    path("referrals/", views.referral_list_view, name="referral_list"),
    path("referrals/<str:reference>/", views.referral_detail_view, name="referral_detail"),
    path("referrals/<str:reference>/send/", views.referral_send_view, name="referral_send"),
    path("referrals/<str:reference>/accept/", views.referral_accept_view, name="referral_accept"),
    path("referrals/<str:reference>/decline/", views.referral_decline_view, name="referral_decline"),
    path("referrals/<str:reference>/complete/", views.referral_complete_view, name="referral_complete"),
    path("referrals/<str:reference>/withdraw/", views.referral_withdraw_view, name="referral_withdraw"),
    path("referrals/<str:reference>/approve/", views.referral_approve_view, name="referral_approve"),
    path("referrals/<str:reference>/send-back/", views.referral_send_back_view, name="referral_send_back"),
    path("referrals/<str:reference>/assign/", views.referral_assign_view, name="referral_assign"),
    path("notifications/", views.notification_list_view, name="notification_list"),
    path("notifications/read-all/", views.notification_read_all_view, name="notification_read_all"),
    path("notifications/<int:pk>/", views.notification_open_view, name="notification_open"),
    path("notifications/<int:pk>/read/", views.notification_read_view, name="notification_read"),
]
