"""Assignment, leases, responses, review, gold, statistics (uses the store, no HTTP)."""

from accord.workflow.assign import next_record, release_record
from accord.workflow.gold import mark_gold, score_against_gold
from accord.workflow.responses import STATUSES, save_record_response, save_response
from accord.workflow.review import VERDICTS, review_response
from accord.workflow.stats import dataset_stats

__all__ = ["next_record", "release_record", "mark_gold", "score_against_gold", "STATUSES",
           "save_response", "save_record_response", "VERDICTS", "review_response", "dataset_stats"]
