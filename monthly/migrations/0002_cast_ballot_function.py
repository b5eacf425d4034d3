"""The ballot's hot path as a stored function, so that PostgreSQL plans it once per connection
(planning the statement cost twice its execution) and the web process sends one short query.
Semantics are documented in monthly/services.py (`ballot_cast`, `round_close`)."""

from django.db import migrations

CREATE = r"""
CREATE OR REPLACE FUNCTION monthly_cast_ballot(
    p_round bigint, p_voter bigint, p_receipt text, p_salt text, p_sealed text,
    p_now timestamptz, p_shard integer, p_choices bigint[]
) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    bumped integer;
BEGIN
    -- Shared by every ballot, taken exclusively by the close (services.ROUND_LOCK_NAMESPACE).
    -- A separate statement: the INSERT below takes its snapshot after the lock is held.
    PERFORM pg_advisory_xact_lock_shared(28015, p_round::integer);
    WITH cast_ballot AS (
        INSERT INTO monthly_ballot (round_id, voter_id, receipt, salt, sealed_choices, cast_at)
        SELECT r.id, p_voter, p_receipt, p_salt, p_sealed, p_now
        FROM monthly_round r
        WHERE r.id = p_round AND r.status = 'voting'
          AND r.voting_starts <= p_now AND p_now < r.voting_ends
          AND EXISTS (
              SELECT 1 FROM residents_residence h JOIN residents_user u ON u.id = h.user_id
              WHERE h.user_id = p_voter AND h.status = 'verified' AND u.is_active
                AND starts_with(h.grid_path, r.scope_path)
          )
          AND (
              SELECT count(*) FROM monthly_candidate c WHERE c.round_id = r.id AND c.id = ANY(p_choices)
          ) = cardinality(p_choices)
        RETURNING id
    )
    UPDATE monthly_tallyshard t SET votes = t.votes + 1
    FROM cast_ballot
    WHERE t.round_id = p_round AND t.shard = p_shard
      AND (t.candidate_id = ANY(p_choices) OR t.candidate_id IS NULL);
    GET DIAGNOSTICS bumped = ROW_COUNT;
    RETURN bumped;
END
$$;
"""

DROP = "DROP FUNCTION IF EXISTS monthly_cast_ballot(bigint, bigint, text, text, text, timestamptz, integer, bigint[]);"


def _on_postgresql(sql: str):
    def run(apps, schema_editor) -> None:
        # The embedded SQLite demo casts ballots through the ORM instead (services.ballot_cast).
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("monthly", "0001_initial"), ("residents", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
