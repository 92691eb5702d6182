"""ONNX export of the recommender models, for ``pimcompile``.

Graph contract (what the compiler may rely on):

- opset ``OPSET`` (one constant, :data:`recsys_models.export.onnx_export.OPSET`), no custom domains;
- inputs ``dense`` float32 ``[B, n_int]`` and ``sparse`` int64 ``[B, n_cat]`` (Criteo: 13 and 26), ``B`` symbolic
  (dim_param ``"B"``) unless ``--batch N`` fixes it; output ``prob`` float32 ``[B, 1]`` (Sigmoid of the logit);
- embedding tables are initializers ``embedding.tables.<i>.weight`` ``[rows_i, dim]`` read by
  ``Gather(table, Gather(sparse, i, axis=1))``: one id per field, so no ReduceSum is needed (a multi-hot
  field would be ``Gather`` + ``ReduceSum``). Never an ONNX ``Loop`` (checked after every export);
- weights inline (no external ``.data`` file): tables are capped by the hash size (default 10,000 rows).

Python API::

    from recsys_models.export.onnx_export import export_model, verify_onnx
    export_model(model, "m.onnx", n_int=13, n_cat=26)      # torchscript exporter, symbolic batch
    verify_onnx(model, "m.onnx", n_int=13, table_sizes=...)  # checker + ORT == torch within 1e-5
"""
