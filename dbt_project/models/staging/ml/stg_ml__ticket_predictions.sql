{#- ml.ticket_predictions exists after the first `supportlake score`; until then this model
    reads as empty (macro optional_source). -#}

with

source as (
    {{ optional_source('ml', 'ticket_predictions', {
        'ticket_id': 'varchar',
        'predicted_category': 'varchar',
        'category_confidence': 'double',
        'category_reasons': 'varchar',
        'category_model_version': 'varchar',
        'predicted_priority': 'varchar',
        'priority_confidence': 'double',
        'priority_reasons': 'varchar',
        'priority_model_version': 'varchar',
        'scored_at': 'timestamp',
    }) }}
),

renamed as (
    select
        ticket_id,
        predicted_category,
        category_confidence,
        nullif(trim(category_reasons), '') as category_reasons,
        category_model_version,
        predicted_priority,
        priority_confidence,
        nullif(trim(priority_reasons), '') as priority_reasons,
        priority_model_version,
        scored_at
    from source
)

select * from renamed
