"""A small check collector shared by the Python tests (no pytest on the machine)."""


class Checker:
    """Collects named check results instead of stopping at the first failure."""

    def __init__(self):
        self.passed, self.failed = 0, []

    def check(self, name, condition, detail=""):
        if condition:
            self.passed += 1
            print("PASS %s" % name)
        else:
            self.failed.append(name)
            print("FAIL %s%s" % (name, (": " + detail) if detail else ""))
        return bool(condition)

    def run(self, name, function, *args):
        """Run a group of checks; an exception inside counts as one failure."""
        try:
            function(self, *args)
        except Exception as e:  # noqa: BLE001 - report and carry on
            self.check(name, False, "%s: %s" % (type(e).__name__, e))
