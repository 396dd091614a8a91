{#- The one business calendar: int_schedule_windows holds every opening window of every
    schedule in UTC (local hours in the schedule's IANA zone, holidays, versions), with the
    schedule's odometer at the window's start. The flat ticket SLA and the ticket-history
    marts read a timestamp's odometer from the window ASOF-joined on it. -#}

{#- Business minutes of a schedule from its first window up to `timestamp_column`: `window` is
    the alias of the int_schedule_windows row ASOF-joined on the schedule and
    timestamp_column >= window_start (the latest window that opened by then). Business minutes
    between two times are odometer(later) - odometer(earlier); null outside the calendar. -#}
{#- Null for a null time: greatest() skips nulls, and an ASOF join may still match one. -#}
{% macro schedule_odometer(timestamp_column, window) -%}
    (
        case when {{ timestamp_column }} is not null then
            {{ window }}.minutes_before
            + least(
                greatest({{ minutes_between(window ~ '.window_start', timestamp_column) }}, 0),
                {{ window }}.window_minutes
            )
        end
    )
{%- endmacro %}


{#- The moment a schedule's odometer reaches `odometer_column`: `window` is the alias of the
    int_schedule_windows row ASOF-joined on the schedule and odometer_column > minutes_before
    (the window in which that business minute falls); null past the calendar's last window. -#}
{% macro schedule_time_at(odometer_column, window) -%}
    case
        when {{ odometer_column }} - {{ window }}.minutes_before <= {{ window }}.window_minutes
            then {{ window }}.window_start
            + to_seconds(
                cast(round(({{ odometer_column }} - {{ window }}.minutes_before) * 60) as bigint)
            )
    end
{%- endmacro %}


{#- 'HH:MM' (24:00 allowed for a queue open until midnight) -> minutes after midnight. -#}
{% macro clock_to_minutes(column) -%}
    (cast(split_part({{ column }}, ':', 1) as integer) * 60 + cast(split_part({{ column }}, ':', 2) as integer))
{%- endmacro %}
