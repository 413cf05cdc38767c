"""dataikuapi, unchanged, against the mock of specs/dataiku-dss.yaml: datasets, statistics and managed folders."""

from __future__ import annotations

import io

import pytest
import requests
from dataikuapi.dss.dataset import DSSDataset, DSSDatasetListItem, FSLikeDatasetSettings, SQLDatasetSettings
from dataikuapi.dss.future import DSSFuture
from dataikuapi.dss.project import DSSProject
from dataikuapi.utils import DataikuException

from tests.clients.conftest import DSS_API_KEY


@pytest.fixture(scope="module")
def customers(project: DSSProject) -> DSSDataset:
    return project.get_dataset("customers")


# ---------------------------------------------------------------- datasets


def test_list_datasets_as_list_items(project: DSSProject) -> None:
    items = project.list_datasets(include_shared=True, tags=["crm", "pii"])
    assert all(isinstance(item, DSSDatasetListItem) for item in items)
    assert [item.name for item in items] == ["customers", "customers_prepared", "orders"]
    assert items[0].type == "PostgreSQL"
    assert items[0].connection == "pg-main"
    assert items[1].get_column("tenure_days") == {"name": "tenure_days", "type": "int"}


def test_list_datasets_as_objects(project: DSSProject) -> None:
    datasets = project.list_datasets(as_type="objects")
    assert [(d.project_key, d.dataset_name) for d in datasets] == [
        ("CHURN", "customers"), ("CHURN", "customers_prepared"), ("CHURN", "orders")]


def test_create_dataset(project: DSSProject) -> None:
    dataset = project.create_dataset("customers", "PostgreSQL",
                                     params={"connection": "pg-main", "mode": "table",
                                             "schema": "public", "table": "customers"})
    assert dataset.dataset_name == "customers"
    assert dataset.get_settings().get_raw()["params"]["table"] == "customers"


def test_create_managed_dataset(project: DSSProject) -> None:
    builder = project.new_managed_dataset("customers_prepared")
    builder.with_store_into("filesystem_managed", format_option_id="CSV_EXCEL_GZIP")
    dataset = builder.create()
    assert dataset.dataset_name == "customers_prepared"


def test_get_settings_picks_the_settings_class_by_type(project: DSSProject) -> None:
    sql = project.get_dataset("customers").get_settings()
    assert isinstance(sql, SQLDatasetSettings)
    assert sql.get_raw_params()["schema"] == "public"
    assert [c["name"] for c in sql.schema_columns][:2] == ["customer_id", "email"]
    files = project.get_dataset("customers_prepared").get_settings()
    assert isinstance(files, FSLikeDatasetSettings)
    assert files.get_raw_format_params()["compress"] == "gz"
    assert files.get_raw()["managed"] is True
    orders = project.get_dataset("orders").get_settings().get_raw()
    assert orders["partitioning"]["dimensions"][0] == {"name": "order_date", "type": "time",
                                                       "params": {"period": "DAY"}}


def test_settings_save_and_deprecated_definition(customers: DSSDataset) -> None:
    settings = customers.get_settings()
    settings.get_raw()["tags"].append("gold")
    settings.save()
    with pytest.warns(DeprecationWarning):
        answer = customers.set_definition(settings.get_raw())
    assert answer == {"msg": "Dataset CHURN.customers updated"}


def test_schema(customers: DSSDataset) -> None:
    schema = customers.get_schema()
    assert [(c["name"], c["type"]) for c in schema["columns"]] == [
        ("customer_id", "bigint"), ("email", "string"), ("signup_date", "date"),
        ("country", "string"), ("lifetime_value", "double"), ("churned", "boolean")]
    assert customers.set_schema(schema)["msg"].startswith("Schema of dataset")


def test_metadata(customers: DSSDataset) -> None:
    metadata = customers.get_metadata()
    assert metadata["label"] == "customers"
    assert metadata["tags"] == ["crm", "pii"]
    assert customers.set_metadata(metadata) == {"msg": "Metadata of dataset CHURN.customers updated"}
    assert customers.exists() is True


def test_iter_rows_parses_the_tsv_stream_with_the_schema(customers: DSSDataset) -> None:
    rows = list(customers.iter_rows())
    assert len(rows) == 3
    first = rows[0]
    assert first[0] == 1001 and first[1] == "ana.silva@example.com"
    assert first[2].year == 2024 and first[2].month == 3
    assert first[3] == "PT" and first[4] == 1240.5 and first[5] is False
    assert rows[1][5] is True


def test_get_data_json_and_tsv_variants(dss_url: str) -> None:
    base = f"{dss_url}/public/api/projects/CHURN/datasets/customers/data"
    as_json = requests.get(base, params={"format": "json", "columns": "customer_id,churned"},
                           auth=(DSS_API_KEY, ""), timeout=5)
    assert as_json.status_code == 200
    assert as_json.json()[0][:2] == ["1001", "ana.silva@example.com"]
    as_tsv = requests.get(base, params={"format": "tsv-excel-header"}, headers={"Accept": "text/tab-separated-values"},
                          auth=(DSS_API_KEY, ""), timeout=5)
    assert as_tsv.headers["Content-Type"].startswith("text/tab-separated-values")
    assert as_tsv.text.splitlines()[0].split("\t")[0] == "customer_id"
    bad = requests.get(base, params={"format": "xml"}, auth=(DSS_API_KEY, ""), timeout=5)
    assert bad.status_code == 400
    assert bad.json()["errorType"]


def test_list_partitions(project: DSSProject) -> None:
    assert project.get_dataset("customers").list_partitions() == ["NP"]
    assert project.get_dataset("orders").list_partitions() == ["2026-11-18", "2026-11-19", "2026-11-20"]


def test_clear_and_delete(project: DSSProject) -> None:
    dataset = project.get_dataset("customers_prepared")
    assert dataset.clear(partitions=["NP"]) == {"msg": "Data of dataset CHURN.customers_prepared cleared"}
    dataset.delete(drop_data=True)


def test_metrics(customers: DSSDataset) -> None:
    metrics = customers.get_last_metric_values()
    assert metrics.get_all_ids() == ["basic:SIZE", "records:COUNT_RECORDS"]
    assert metrics.get_global_value("records:COUNT_RECORDS") == 1542
    history = customers.get_metric_history("records:COUNT_RECORDS")
    assert [v["value"] for v in history["values"]] == [1498, 1521, 1542]
    assert history["lastValue"]["time"] == 1763630102511


def test_compute_metrics_and_run_checks(customers: DSSDataset) -> None:
    computed = customers.compute_metrics()["result"]["computed"]
    assert {m["metricId"]: m["value"] for m in computed}["records:COUNT_RECORDS"] == "1542"
    only = customers.compute_metrics(metric_ids=["records:COUNT_RECORDS"])["result"]["computed"]
    assert [m["metricId"] for m in only] == ["records:COUNT_RECORDS"]
    probes = {"probes": [{"type": "records", "configuration": {"countRecords": "true"}}]}
    assert customers.compute_metrics(partition="ALL", probes=probes)["result"]["computed"]
    results = customers.run_checks()["result"]["results"]
    assert results[0]["value"]["outcome"] == "OK"
    assert results[0]["check"]["metricId"] == "basic:SIZE"


def test_hive_actions(customers: DSSDataset) -> None:
    customers.synchronize_hive_metastore()
    customers.update_from_hive()


# ---------------------------------------------------------------- tables import


def test_list_sql_schemas(project: DSSProject) -> None:
    assert project.list_sql_schemas("pg-main") == ["analytics", "public", "staging"]


def test_list_sql_tables(project: DSSProject) -> None:
    tables = project.list_sql_tables("pg-main", schema_name="public")
    assert tables[0] == {"schema": "public", "table": "customers"}
    assert [t["table"] for t in tables] == ["customers", "orders", "subscriptions"]


def test_tables_import_prepare_and_execute(project: DSSProject) -> None:
    definition = project.init_tables_import()
    definition.add_sql_table("pg-main", "public", "subscriptions")
    prepared = definition.prepare()
    assert prepared.candidates["sqlImportCandidates"][0]["datasetName"] == "subscriptions"
    future = prepared.execute()
    assert future.job_id == "tblexec-Q7mW2xKc"
    assert future.wait_for_result()["importedDatasets"] == ["subscriptions"]


# ---------------------------------------------------------------- statistics worksheets


def test_statistics_worksheets(customers: DSSDataset) -> None:
    listed = customers.list_statistics_worksheets(as_objects=False)
    assert [w["name"] for w in listed] == ["Churn drivers"]
    handles = customers.list_statistics_worksheets()
    assert [h.worksheet_id for h in handles] == ["dXs4Gy"]
    created = customers.create_statistics_worksheet(name="Churn drivers")
    assert created.worksheet_id == "dXs4Gy"
    settings = created.get_settings()
    assert settings.get_raw_sampling_settings()["samplingMethod"] == "FULL"
    assert [c.get_raw()["column"]["name"] for c in settings.list_cards()] == ["country"]
    settings.save()
    assert settings.get_raw()["rootCard"]["type"] == "worksheet_root"
    created.delete()


def test_run_card_and_computation_start_futures(customers: DSSDataset) -> None:
    worksheet = customers.get_statistics_worksheet("dXs4Gy")
    card = {"type": "categorical_histogram", "maxValues": 10, "groupOthers": True,
            "column": {"name": "country", "type": "CATEGORICAL"}}
    future = worksheet.run_card(card, wait=False)
    assert isinstance(future, DSSFuture) and future.job_id == "statcard-dXs4Gy01"
    computation = worksheet.run_computation({"type": "count"}, wait=False)
    assert isinstance(computation, DSSFuture) and computation.job_id == "statcomp-dXs4Gy02"


def test_run_card_and_computation_results(customers: DSSDataset) -> None:
    worksheet = customers.get_statistics_worksheet("dXs4Gy")
    card = worksheet.run_card({"type": "categorical_histogram", "maxValues": 10, "groupOthers": True,
                               "column": {"name": "country", "type": "CATEGORICAL"}})
    assert card.get_raw()["histogram"]["totalCount"] == 1542
    count = worksheet.run_computation({"type": "count"})
    assert count.get_raw() == {"type": "count", "count": 1542}


# ---------------------------------------------------------------- managed folders


def test_list_and_create_managed_folders(project: DSSProject) -> None:
    folders = project.list_managed_folders()
    assert [(f["id"], f["name"]) for f in folders] == [("hZ3ti7pk", "reports")]
    folder = project.create_managed_folder("reports")
    assert folder.id == "hZ3ti7pk"


def test_managed_folder_settings(project: DSSProject) -> None:
    folder = project.get_managed_folder("hZ3ti7pk")
    settings = folder.get_settings()
    assert settings.type == "Filesystem"
    assert settings.get_raw_params()["connection"] == "filesystem_folders"
    settings.get_raw()["tags"].append("monthly")
    settings.save()
    assert folder.set_definition(settings.get_raw()) == {"msg": "Managed folder CHURN.hZ3ti7pk updated"}


def test_managed_folder_files(project: DSSProject) -> None:
    folder = project.get_managed_folder("hZ3ti7pk")
    items = folder.list_contents()["items"]
    assert [i["path"] for i in items][:2] == ["/2026-10/churn_summary.csv", "/2026-11/churn_summary.csv"]
    assert items[1]["size"] == 19102
    with folder.get_file("2026-11/churn_summary.csv") as response:
        assert response.headers["Content-Type"] == "application/octet-stream"
        assert response.content.decode().splitlines()[1] == "FR,612,74,0.121"
    folder.delete_file("2026-11/churn_summary.csv")
    assert folder.delete() == {"msg": "Managed folder CHURN.hZ3ti7pk deleted"}


def test_put_file(project: DSSProject) -> None:
    folder = project.get_managed_folder("hZ3ti7pk")
    uploaded = folder.put_file("churn_summary.csv", io.BytesIO(b"country,customers\nFR,612\n"))
    assert uploaded == {"path": "/2026-11/churn_summary.csv", "size": 19102, "lastModified": 1763630102511}


def test_put_file_in_a_subfolder(project: DSSProject) -> None:
    folder = project.get_managed_folder("hZ3ti7pk")
    uploaded = folder.put_file("2026-11/churn_summary.csv", "country,customers\nFR,612\n")
    assert uploaded["path"] == "/2026-11/churn_summary.csv"


# ---------------------------------------------------------------- errors


def test_schema_column_without_type_is_rejected(customers: DSSDataset) -> None:
    with pytest.raises(DataikuException) as caught:
        customers.set_schema({"columns": [{"name": "customer_id"}]})
    assert "type" in str(caught.value)


def test_unknown_column_type_is_rejected(customers: DSSDataset) -> None:
    with pytest.raises(DataikuException) as caught:
        customers.set_schema({"columns": [{"name": "customer_id", "type": "varchar"}]})
    assert "varchar" in str(caught.value)


def test_managed_dataset_without_connection_is_rejected(project: DSSProject) -> None:
    with pytest.raises(DataikuException) as caught:
        project.new_managed_dataset("customers_prepared").create()
    assert "connectionId" in str(caught.value)


def test_missing_api_key_is_unauthorized(dss_url: str) -> None:
    answer = requests.get(f"{dss_url}/public/api/projects/CHURN/datasets/", timeout=5)
    assert answer.status_code == 401
    assert answer.json()["errorType"] == "com.dataiku.dip.exceptions.UnauthorizedException"
