-- Hours of the day with their part of day.
with hours as (
    select cast(h as tinyint) as hour from range(24) t(h)
),

final as (
    select
        hour as time_key,
        hour,
        case when hour < 5 then 'night' when hour < 12 then 'morning' when hour < 17 then 'afternoon'
             when hour < 22 then 'evening' else 'night' end as part_of_day
    from hours
    where hour not in (select time_key from {{ this }})
)

select * from final
