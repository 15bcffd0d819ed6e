-- Users, type 2: a new version when the region, city, shopping preference, membership tier or goal
-- changes; the version it replaces is closed at that moment. Output: new and closed versions.
with incoming as (
    select
        u.user_pseudonym,
        u.gender,
        u.state as region,
        coalesce(s.census_region, 'Unknown') as census_region,
        u.city,
        cast(hash(u.state || '|' || u.city) >> 1 as bigint) as location_key,
        u.shopping_preference,
        u.membership_tier,
        g.goal_key,
        u.created_at,
        u.changed_at,
        u.age_at_signup,
        u.age_at_change
    from {{ ref('stg_users') }} u
    left join {{ ref('stg_states') }} s using (state)
    left join {{ ref('stg_user_goals') }} ug using (user_pseudonym)
    left join {{ ref('goal_types') }} g on g.goal_type = ug.goal_type
),

current_versions as (
    select * from {{ this }} where is_current
),

changed as (
    select i.*, c.user_key as previous_key, c.valid_from as previous_from
    from incoming i
    left join current_versions c using (user_pseudonym)
    where c.user_key is null
       or (i.region, i.city, i.shopping_preference, i.membership_tier, i.goal_key)
          is distinct from (c.region, c.city, c.shopping_preference, c.membership_tier, c.goal_key)
),

new_versions as (
    select
        *,
        -- a user's first version covers their whole history; later ones start at the change
        case when previous_key is null then created_at
             else greatest(changed_at, previous_from + interval 1 second) end as valid_from,
        case when previous_key is null then age_at_signup else age_at_change end as age
    from changed
),

opened as (
    select
        cast(hash(user_pseudonym || '|' || cast(valid_from as varchar)) >> 1 as bigint) as user_key,
        user_pseudonym,
        case when age < 25 then '18-24' when age < 35 then '25-34' when age < 45 then '35-44'
             when age < 55 then '45-54' when age < 65 then '55-64' else '65+' end as age_band,
        gender, region, census_region, city, location_key, shopping_preference, membership_tier, goal_key,
        valid_from,
        timestamp '9999-12-31 00:00:00' as valid_to,
        true as is_current
    from new_versions
),

closed as (
    select c.* replace (n.valid_from as valid_to, false as is_current)
    from current_versions c
    join new_versions n on n.previous_key = c.user_key
),

final as (
    select * from opened
    union all
    select * from closed
)

select * from final
