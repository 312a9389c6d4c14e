"""`exit_program`: the status, atexit handlers, flushed output and logs survive the fast exit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap


#: the environment without PYTHONUNBUFFERED: stdout is block-buffered, as usual for a pipe
BUFFERED = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=60, env=BUFFERED)


def test_status_atexit_handlers_output_and_logs(tmp_path):
    log = tmp_path / "run.log"
    marker = tmp_path / "atexit.txt"
    done = _run(f"""
        import atexit, logging, sys
        from lsstlite.tasks.cmdline.program_exit import exit_program
        handler = logging.FileHandler({str(log)!r})
        logging.getLogger().addHandler(handler)
        logging.getLogger().warning("logged before the exit")
        atexit.register(lambda: open({str(marker)!r}, "w").write("ran"))
        sys.stdout.write("no newline, still buffered")
        sys.stderr.write("to stderr")
        exit_program(3)
        print("never reached")
    """)
    assert done.returncode == 3
    assert done.stdout == "no newline, still buffered" and done.stderr == "to stderr"
    assert marker.read_text() == "ran"
    assert log.read_text() == "logged before the exit\n"


def test_a_running_thread_gets_a_normal_exit(tmp_path):
    marker = tmp_path / "thread.txt"
    done = _run(f"""
        import threading, time
        from lsstlite.tasks.cmdline.program_exit import exit_program
        def work():
            time.sleep(0.3)
            open({str(marker)!r}, "w").write("finished")
        threading.Thread(target=work).start()
        exit_program(5)
    """)
    assert done.returncode == 5 and marker.read_text() == "finished"


def test_a_closed_pipe_is_not_a_traceback():
    code = """
        import sys
        from lsstlite.tasks.cmdline.program_exit import exit_program
        sys.stdout.write("buffered, not yet in the pipe")
        sys.stderr.write("written\\n")
        sys.stderr.flush()
        sys.stdin.read()  # wait until the reader has gone away
        exit_program(0)
    """
    producer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=BUFFERED)
    assert producer.stderr.readline() == b"written\n"
    producer.stdout.close()  # the reader goes away, as `| head` does
    producer.stdin.close()
    assert producer.wait(timeout=60) == 0
    assert producer.stderr.read() == b""


def test_processfile_program_returns_its_status(tmp_path):
    done = subprocess.run([sys.executable, "-c", "import sys; from lsstlite.tasks.processFile "
                           "import main; sys.exit(main())", str(tmp_path / "missing.fits"),
                           "--output", str(tmp_path / "out")], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "missing.fits does not exist" in done.stderr
