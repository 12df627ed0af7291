def test_beat_clears_expired_sessions_every_night(db):
    import datetime

    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from accounts.tasks import clear_expired_sessions

    now = timezone.now()
    Session.objects.create(session_key="e" * 32, session_data="x", expire_date=now - datetime.timedelta(minutes=1))
    Session.objects.create(session_key="l" * 32, session_data="x", expire_date=now + datetime.timedelta(hours=1))
    clear_expired_sessions.delay()  # eager without a broker, as in tests
    assert list(Session.objects.values_list("session_key", flat=True)) == ["l" * 32]
    assert settings.CELERY_BEAT_SCHEDULE["expired-sessions"]["task"] == "accounts.tasks.clear_expired_sessions"
