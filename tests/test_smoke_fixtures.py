from cases.selectors import case_visible_to


def test_world_builds_and_scopes(world):
    assert set(case_visible_to(world.cw)) == {world.case_ir}
    assert set(case_visible_to(world.pm_ir)) == {world.case_ir, world.case_police}
    assert set(case_visible_to(world.pm_region)) == {world.case_ir, world.case_police, world.case_af}
    assert world.case_ir.reference.startswith("IR-")
