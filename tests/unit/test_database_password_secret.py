"""In AWS the database password is the "password" of its RDS secret, read on each (re)connection so that a
rotated password is picked up; the conninfo never shows it."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from codetracker.adapters.postgres.connection import redacted, with_password
from codetracker.adapters.secrets import DatabasePasswordSource
from codetracker.errors import ConfigurationError
from codetracker.settings import Settings

PARTS = {
    "CODE_TRACKER_PG_HOST": "db.internal",
    "CODE_TRACKER_PG_DATABASE": "codetracker",
    "CODE_TRACKER_PG_USER": "codetracker",
}


def test_the_secret_is_used_only_without_a_password_setting():
    with_secret = Settings.from_env({**PARTS, "CODE_TRACKER_PG_PASSWORD_SECRET_ID": "arn:db"}).database
    assert with_secret.password_secret_id == "arn:db"
    explicit = {**PARTS, "CODE_TRACKER_PG_PASSWORD": "pw", "CODE_TRACKER_PG_PASSWORD_SECRET_ID": "arn:db"}
    assert Settings.from_env(explicit).database.password_secret_id is None


def test_with_password_sets_or_replaces_it():
    assert with_password("host=h dbname=d", "p w'") == "host=h dbname=d password='p w\\''"
    assert with_password("host=h password=old", "new").endswith("password='new'")
    assert "old" not in with_password("host=h password=old", "new")


@mock_aws
def test_each_connection_reads_the_secret_again():
    client = boto3.client("secretsmanager", region_name="us-east-1")
    arn = client.create_secret(Name="db", SecretString=json.dumps({"username": "u", "password": "first"}))["ARN"]
    source = DatabasePasswordSource("host=db.internal dbname=codetracker user=u", arn, client)
    assert source().endswith("password='first'")
    client.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": "u", "password": "rotated"}))
    conninfo = source()
    assert conninfo.endswith("password='rotated'") and "rotated" not in redacted(conninfo)
    assert "rotated" not in repr(source)


@mock_aws
def test_a_secret_in_another_format_is_a_configuration_error():
    client = boto3.client("secretsmanager", region_name="us-east-1")
    arn = client.create_secret(Name="db", SecretString="just-a-password")["ARN"]
    with pytest.raises(ConfigurationError) as error:
        DatabasePasswordSource("host=h", arn, client)()
    assert error.value.setting == "CODE_TRACKER_PG_PASSWORD_SECRET_ID" and "just-a-password" not in str(error.value)
