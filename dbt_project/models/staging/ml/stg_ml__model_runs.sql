{#- ml.model_runs exists after the first `supportlake train`; until then this model reads as
    empty (macro optional_source). -#}

with

source as (
    {{ optional_source('ml', 'model_runs', {
        'model_version': 'varchar',
        'task': 'varchar',
        'trained_at': 'timestamp',
        'model_family': 'varchar',
        'baseline_family': 'varchar',
        'data_source': 'varchar',
        'data_hash': 'varchar',
        'training_rows': 'bigint',
        'holdout_rows': 'bigint',
        'holdout_source': 'varchar',
        'label_set': 'varchar',
        'corrections_used': 'bigint',
        'cv_macro_f1': 'double',
        'holdout_accuracy': 'double',
        'holdout_macro_f1': 'double',
        'baseline_macro_f1': 'double',
        'majority_macro_f1': 'double',
        'majority_accuracy': 'double',
        'expected_calibration_error': 'double',
        'code_version': 'varchar',
        'package_version': 'varchar',
        'model_path': 'varchar',
        'report_path': 'varchar',
    }) }}
),

renamed as (
    select
        model_version,
        task,
        trained_at,
        model_family,
        baseline_family,
        data_source,
        data_hash,
        training_rows,
        holdout_rows,
        holdout_source,
        label_set,
        corrections_used,
        cv_macro_f1,
        holdout_accuracy,
        holdout_macro_f1,
        baseline_macro_f1,
        majority_macro_f1,
        majority_accuracy,
        expected_calibration_error,
        code_version,
        package_version,
        model_path,
        report_path
    from source
)

select * from renamed
