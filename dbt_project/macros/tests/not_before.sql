{#- Fails on rows where column_name is earlier than earlier_column (rows with either null pass):
    e.g. resolved_at must not come before created_at. -#}
{% test not_before(model, column_name, earlier_column) %}

select
    {{ column_name }},
    {{ earlier_column }}
from {{ model }}
where
    {{ column_name }} is not null
    and {{ earlier_column }} is not null
    and {{ column_name }} < {{ earlier_column }}

{% endtest %}
