"""The few lines every views test shares: named checks that collect their
failures, and a main that runs the test functions in one temp dir."""
import sys
import tempfile

FAILED = []


def check(cond, what):
    if not cond:
        FAILED.append(what)
        print('FAIL:', what)


def run(tests):
    """Runs each test(tmp); the process exit code: 1 when any check failed."""
    with tempfile.TemporaryDirectory() as tmp:
        for t in tests:
            t(tmp)
    if FAILED:
        print('%d checks failed' % len(FAILED))
        return 1
    print('all checks passed')
    return 0


if __name__ == '__main__':
    sys.exit(run([]))
