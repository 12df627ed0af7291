def test_the_health_check_answers_without_sign_in_and_says_nothing_else(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
