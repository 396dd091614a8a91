{#- Column comments (persist_docs): dbt-duckdb's own macro, except that on the `ducklake`
    target a view's columns are skipped. DuckLake 1.5.5 keeps column comments on tables only
    ("Cannot comment on columns for entry ... - it is not a table"), so a mart materialized as
    a view keeps its column documentation in dbt's docs there. (dbt-duckdb's macro cannot be
    called by package name from a project, so its loop is repeated here.) -#}
{% macro duckdb__alter_column_comment(relation, column_dict) %}
    {%- if target.name == 'ducklake' and relation.type == 'view' -%}
        {{ return('') }}
    {%- endif -%}
    {% set existing_columns = adapter.get_columns_in_relation(relation)
        | map(attribute="name") | list %}
    {% for column_name in column_dict if (column_name in existing_columns) %}
    {% set column = column_dict[column_name] %}
    {% set name = adapter.quote(column_name) if column['quote'] else column_name %}
    {% set escaped_comment = duckdb_escape_comment(column['description']) %}
    comment on column {{ relation }}.{{ name }} is {{ escaped_comment }};
    {% endfor %}
{% endmacro %}
