"""One JSON shape for a result: what ``qa ask --json`` prints is what the API returns."""
import json

from qa.answering.serialize import result_to_dict


def test_result_dict_is_json_and_answer_comes_first(small_qa):
    result = small_qa.ask("2023年历下计划增加多少个学位？")
    data = json.loads(json.dumps(result_to_dict(result, {d.doc_id: d.title for d in small_qa.documents}), ensure_ascii=False))
    assert data["answer"] == data["answers"][0]["text"] == "6630个"
    assert data["citations"][0]["doc_id"] == "lixia-2023"
    assert data["passages"][0]["title"] == "济南市历下区：推进国际化一流中心城区跨越发展"


def test_api_response_model_accepts_exactly_this_shape(small_qa):
    from qa.server.models import AskResponse

    data = result_to_dict(small_qa.ask("市中区要加快集聚哪些金融机构？"), {})
    assert set(data) == set(AskResponse.model_fields)
    assert AskResponse.model_validate(data).model_dump() == data
