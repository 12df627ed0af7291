from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """For load balancers and monitoring: is the database answering? Says nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        return JsonResponse({"status": "database unavailable"}, status=503)
