from geozones.web import create_app


def test_home_page_serves_regions_and_attribution(tmp_path):
    app = create_app({"BUILD_DIR": str(tmp_path), "TESTING": True})
    page = app.test_client().get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Norfolk" in html and "geozones data build --region norfolk" in html
    assert "OpenStreetMap contributors" in html and "Royal Mail" in html
