-- Activity types: the known catalogue, plus any new type seen in workouts (category "other").
with known as (
    select * from {{ ref('activity_types') }}
),

seen as (
    select distinct activity_type from {{ ref('stg_activity_logs') }}
    where activity_type not in (select activity_type from known)
),

unioned as (
    select activity_key, activity_type, category, intensity from known
    union all
    select cast(hash(activity_type) % 1000000 + 1000 as integer), activity_type, 'other', 'unknown' from seen
),

final as (
    select * from unioned
    where activity_key not in (select activity_key from {{ this }})
)

select * from final
