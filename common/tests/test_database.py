import sqlalchemy as sa

from titanium_common.database import NAMING_CONVENTION, database_extensions


def test_each_service_gets_its_own_metadata_with_named_constraints(tmp_path):
    first_db, first_migrate = database_extensions(tmp_path / "one")
    second_db, _ = database_extensions(tmp_path / "two")

    class Thing(first_db.Model):
        id = sa.Column(sa.Integer, primary_key=True)
        name = sa.Column(sa.String(10), unique=True)

    assert first_db.metadata is not second_db.metadata
    assert "thing" in first_db.metadata.tables and not second_db.metadata.tables
    assert first_db.metadata.naming_convention == {
        **first_db.metadata.naming_convention,
        **NAMING_CONVENTION,
    }
    assert first_migrate.directory == str(tmp_path / "one" / "migrations")
