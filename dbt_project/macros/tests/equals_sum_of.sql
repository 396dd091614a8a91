{#- Fails on rows where column_name differs from the sum of the addends: the balance check of
    the reconciliation (rows read = rows kept + quarantined + deduplicated away). -#}
{% test equals_sum_of(model, column_name, addends) %}

select
    {{ column_name }},
    {{ addends | join(' + ') }} as sum_of_addends
from {{ model }}
where {{ column_name }} is distinct from ({{ addends | join(' + ') }})

{% endtest %}
