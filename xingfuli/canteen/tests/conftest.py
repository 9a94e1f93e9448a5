import pytest
import time_machine

from xingfuli.canteen.tests.factories import NOW, Kit, make_kit


@pytest.fixture
def kit(world) -> Kit:
    with time_machine.travel(NOW, tick=False):
        return make_kit(world)
