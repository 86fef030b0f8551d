import time

from digitlab import store
from digitlab.jobs import TrainingJob
from digitlab.train import TrainConfig


def stopped_job(mnist, keep_on_stop: bool) -> TrainingJob:
    """A long run, stopped as soon as it has reported progress."""
    config = TrainConfig.for_architecture("softmax", epochs=200, train_limit=5000)
    job = TrainingJob(config, mnist, "stopped", keep_on_stop=keep_on_stop).start()
    deadline = time.monotonic() + 60
    while not job.events and time.monotonic() < deadline:
        time.sleep(0.05)
    job.stop()
    job.wait(60)
    return job


def test_stop_keeps_the_model_when_asked(home, mnist):
    job = stopped_job(mnist, keep_on_stop=True)
    assert job.state == "stopped" and job.saved_name == "stopped"
    meta = store.load_model("stopped")[1]
    assert meta["stopped_early"] is True and meta["test_accuracy"] > 0.5


def test_stop_discards_the_model_when_asked(home, mnist):
    job = stopped_job(mnist, keep_on_stop=False)
    assert job.state == "stopped" and job.saved_name is None and job.error is None
    assert store.list_models(include_default=False) == []


def test_bad_settings_fail_the_job_with_a_message(home, mnist):
    config = TrainConfig.for_architecture("softmax", batch_size=0)
    job = TrainingJob(config, mnist, "never").start()
    status = job.wait(60)
    assert status.state == "failed" and "Batch size must be between 1" in status.error
